from django.urls import URLPattern, URLResolver, path

from accounts.views import importing as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("accounts/import/", views.upload, name="import"),
    path("accounts/import/<int:pk>/", views.detail, name="import_detail"),
    path("accounts/import/<int:pk>/delimiter/", views.delimiter, name="import_delimiter"),
    path("accounts/import/<int:pk>/map/", views.map_columns, name="import_map"),
    path("accounts/import/<int:pk>/run/", views.run, name="import_run"),
    path("accounts/import/<int:pk>/progress/", views.progress, name="import_progress"),
    path("accounts/import/<int:pk>/skipped.csv", views.skipped, name="import_skipped"),
]
