from django.urls import URLPattern, URLResolver, path

from accounts.views import workspace_settings as views


def _ordered(segment: str, noun: str, kind: views.OrderedList) -> list[URLPattern]:
    """The five URLs of an ordered list (tiers, stages): the page, add, and edit, move and delete a row."""
    base, extra = f"settings/workspace/{segment}/", {"kind": kind}
    return [
        path(base, views.ordered_list, extra, name=f"settings_{segment}"),
        path(f"{base}add/", views.ordered_add, extra, name=f"settings_{noun}_add"),
        path(f"{base}<int:pk>/edit/", views.ordered_edit, extra, name=f"settings_{noun}_edit"),
        path(f"{base}<int:pk>/move/", views.ordered_move, extra, name=f"settings_{noun}_move"),
        path(f"{base}<int:pk>/delete/", views.ordered_delete, extra, name=f"settings_{noun}_delete"),
    ]


urlpatterns: list[URLPattern | URLResolver] = [
    *_ordered("tiers", "tier", views.TIERS),
    *_ordered("stages", "stage", views.STAGES),
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
