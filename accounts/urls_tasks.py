from django.urls import URLPattern, URLResolver, path

from accounts.views import tasks as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("tasks/", views.task_list, name="tasks"),
]
