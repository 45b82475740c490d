from django.urls import URLPattern, URLResolver, path

from accounts.views import tasks as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("tasks/", views.task_list, name="tasks"),
    path("tasks/new/", views.task_create, name="task_create"),
    path("tasks/account-options/", views.task_account_options, name="task_account_options"),
    path("tasks/<int:pk>/complete/", views.task_complete, name="task_complete"),
    path("tasks/<int:pk>/snooze/", views.task_snooze, name="task_snooze"),
    path("tasks/<int:pk>/reopen/", views.task_reopen, name="task_reopen"),
    path("tasks/<int:pk>/unsnooze/", views.task_unsnooze, name="task_unsnooze"),
]
