from django.urls import URLPattern, URLResolver, path

from accounts.views import workspace_settings as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("settings/workspace/tiers/", views.tiers, name="settings_tiers"),
    path("settings/workspace/tiers/add/", views.tier_add, name="settings_tier_add"),
    path("settings/workspace/tiers/<int:pk>/edit/", views.tier_edit, name="settings_tier_edit"),
    path("settings/workspace/tiers/<int:pk>/move/", views.tier_move, name="settings_tier_move"),
    path("settings/workspace/tiers/<int:pk>/delete/", views.tier_delete, name="settings_tier_delete"),
    path("settings/workspace/stages/", views.stages, name="settings_stages"),
    path("settings/workspace/stages/add/", views.stage_add, name="settings_stage_add"),
    path("settings/workspace/stages/<int:pk>/edit/", views.stage_edit, name="settings_stage_edit"),
    path("settings/workspace/stages/<int:pk>/move/", views.stage_move, name="settings_stage_move"),
    path("settings/workspace/stages/<int:pk>/delete/", views.stage_delete, name="settings_stage_delete"),
    path("settings/workspace/fields/", views.fields, name="settings_fields"),
    path("settings/workspace/fields/add/", views.field_add, name="settings_field_add"),
    path("settings/workspace/fields/<int:pk>/edit/", views.field_edit, name="settings_field_edit"),
    path("settings/workspace/fields/<int:pk>/move/", views.field_move, name="settings_field_move"),
    path("settings/workspace/fields/<int:pk>/delete/", views.field_delete, name="settings_field_delete"),
    path("settings/workspace/plan-templates/", views.plan_templates, name="settings_templates"),
    path("settings/workspace/plan-templates/add/", views.plan_template_add, name="settings_template_add"),
    path("settings/workspace/plan-templates/<int:pk>/", views.plan_template, name="settings_template"),
    path(
        "settings/workspace/plan-templates/<int:pk>/delete/",
        views.plan_template_delete,
        name="settings_template_delete",
    ),
    path(
        "settings/workspace/plan-templates/<int:pk>/milestones/add/",
        views.plan_template_item_add,
        name="settings_template_item_add",
    ),
    path(
        "settings/workspace/plan-templates/milestones/<int:pk>/edit/",
        views.plan_template_item_edit,
        name="settings_template_item_edit",
    ),
    path(
        "settings/workspace/plan-templates/milestones/<int:pk>/move/",
        views.plan_template_item_move,
        name="settings_template_item_move",
    ),
    path(
        "settings/workspace/plan-templates/milestones/<int:pk>/delete/",
        views.plan_template_item_delete,
        name="settings_template_item_delete",
    ),
]
