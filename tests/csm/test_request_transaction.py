"""A request is one transaction: a view that fails leaves nothing behind, and the error page still renders."""

from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import include, path

from csm import activity
from csm.models import ActivityLog, Role
from csm.tenancy import activate
from csm.tenancy.access import role_required
from csm.urls import urlpatterns as project_urlpatterns
from tests.conftest import client_for


@role_required(Role.CSM)
def write_then_fail(request: HttpRequest) -> HttpResponse:
    activity.record(organization=request.organization, actor=request.user, verb="test.half_done")
    raise RuntimeError("boom")


@role_required(Role.CSM)
def write_then_answer_500(request: HttpRequest) -> HttpResponse:
    activity.record(organization=request.organization, actor=request.user, verb="test.half_done")
    return HttpResponse("upstream failed", status=502)


urlpatterns = [
    path("<slug:org_slug>/test/fail/", write_then_fail),
    path("<slug:org_slug>/test/502/", write_then_answer_500),
    path("", include(project_urlpatterns)),
]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_view_that_raises_writes_nothing_and_shows_the_500_page(csm, org_a):
    client = client_for(csm)
    client.raise_request_exception = False
    response = client.get("/alpha/test/fail/")
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content
    with activate(org_a):
        assert not ActivityLog.objects.filter(verb="test.half_done").exists()


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_5xx_answer_rolls_the_request_back(csm, org_a):
    response = client_for(csm).get("/alpha/test/502/")
    assert response.status_code == 502
    with activate(org_a):
        assert not ActivityLog.objects.filter(verb="test.half_done").exists()


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_an_outsider_does_not_reach_the_view(outsider, org_a):
    assert client_for(outsider).get("/alpha/test/fail/").status_code == 404
    assert Client().get("/alpha/test/fail/").status_code == 302
