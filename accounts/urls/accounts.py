from django.urls import URLPattern, URLResolver, path

from accounts.views import accounts as views
from accounts.views import search

urlpatterns: list[URLPattern | URLResolver] = [
    path("accounts/", views.account_list, name="list"),
    path("accounts/export.csv", views.account_export, name="export"),
    path("accounts/quick-search/", search.quick_search, name="quick_search"),
    path("accounts/bulk/", views.account_bulk, name="bulk"),
    path("accounts/bulk/<int:pk>/undo/", views.account_bulk_undo, name="bulk_undo"),
    path("accounts/segments/", views.segment_save, name="segment_save"),
    path("accounts/segments/<int:pk>/delete/", views.segment_delete, name="segment_delete"),
    path("accounts/new/", views.account_create, name="create"),
    path("accounts/<int:pk>/", views.account_detail, name="detail"),
    path("accounts/<int:pk>/edit/", views.account_edit, name="edit"),
    path("accounts/<int:pk>/timeline/", views.account_timeline, name="timeline"),
    path("accounts/<int:pk>/notes/", views.account_note, name="note"),
    path("accounts/<int:pk>/notes/<int:note_pk>/edit/", views.note_edit, name="note_edit"),
    path("accounts/<int:pk>/notes/<int:note_pk>/delete/", views.note_delete, name="note_delete"),
    path("accounts/<int:pk>/stage/", views.account_stage, name="stage"),
    path("accounts/<int:pk>/owner/", views.account_owner, name="owner"),
    path("accounts/<int:pk>/tasks/", views.account_task, name="task_add"),
    path("accounts/<int:pk>/tasks/close/", views.account_close_tasks, name="close_tasks"),
    path("accounts/<int:pk>/plans/", views.account_plan, name="plan_start"),
    path("accounts/<int:pk>/contacts/new/", views.contact_create, name="contact_create"),
    path("accounts/<int:pk>/contacts/<int:contact_pk>/edit/", views.contact_edit, name="contact_edit"),
    path("milestones/<int:pk>/toggle/", views.milestone_toggle, name="milestone_toggle"),
]
