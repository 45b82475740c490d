from django.urls import path

from playbooks import views

app_name = "playbooks"

urlpatterns = [path("", views.playbook_list, name="list")]
