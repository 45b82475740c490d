"""The date helpers of csm/web/html.py write what the template filter `date` writes."""

from __future__ import annotations

import datetime

import pytest
from django.template.defaultfilters import date as date_filter
from django.utils import timezone

from csm.web import html


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Auckland", "America/Los_Angeles"])
def test_date_helpers_write_what_the_date_filter_writes(zone):
    moments = [
        datetime.datetime(2026, month, day, hour, 5, tzinfo=datetime.UTC)
        for month in range(1, 13)
        for day, hour in ((1, 0), (15, 12), (28, 23))
    ]
    with timezone.override(zone):
        for moment in moments:
            local = timezone.localtime(moment)
            assert html.day(moment) == date_filter(local, "j M Y")
            assert html.day_and_time(moment) == date_filter(local, "j M Y, H:i")
            assert html.day_of_month(moment) == date_filter(local, "j M")
            assert html.weekday_and_day(moment) == date_filter(local, "D j M")
            plain = moment.date()
            assert html.day(plain) == date_filter(plain, "j M Y")
            assert html.weekday_and_day(plain) == date_filter(plain, "D j M")


def test_a_moment_is_shown_on_the_day_it_is_where_the_person_is():
    moment = datetime.datetime(2026, 3, 31, 20, 0, tzinfo=datetime.UTC)
    with timezone.override("Pacific/Auckland"):
        assert html.day(moment) == "1 Apr 2026"
        assert html.weekday_and_day(moment) == "Wed 1 Apr"
    with timezone.override("UTC"):
        assert html.day_and_time(moment) == "31 Mar 2026, 20:00"
