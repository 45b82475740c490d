from django.urls import URLPattern, URLResolver, path

from accounts.views import accounts as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("accounts/", views.account_list, name="list"),
]
