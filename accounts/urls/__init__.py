"""The workspace's URLs under /<org_slug>/: each page family keeps its own list."""

from django.urls import include, path

app_name = "accounts"

urlpatterns = [
    path("", include("accounts.urls.accounts")),
    path("", include("accounts.urls.tasks")),
    path("", include("accounts.urls.tickets")),
    path("", include("accounts.urls.board")),
    path("", include("accounts.urls.importing")),
    path("", include("accounts.urls.settings")),
]
