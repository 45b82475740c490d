from __future__ import annotations

from django.urls import path

from csm.dashboards import views

app_name = "dashboards"

urlpatterns = [path("", views.index, name="index")]
