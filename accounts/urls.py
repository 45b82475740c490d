"""The workspace's URLs under /<org_slug>/: each page family keeps its own list."""

from django.urls import include, path

app_name = "accounts"

urlpatterns = [
    path("", include("accounts.urls_accounts")),
    path("", include("accounts.urls_tasks")),
    path("", include("accounts.urls_tickets")),
    path("", include("accounts.urls_board")),
    path("", include("accounts.urls_import")),
    path("", include("accounts.urls_settings")),
]
