"""Numbers and dates are read one way per column, decided from the whole column (issue 8, finding 7): `2.400` next to
`1 250,50` is two thousand four hundred, `31/12/2027` settles a column day first, and a column that cannot tell is
asked about on the mapping step."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from accounts.importer import formats, values
from accounts.models import Account, CustomField, ImportJob, ImportStatus
from accounts.services import importing
from csm.tenancy import activate
from tests.accounts.test_import import checked, csv, job_url, problems, run_now, upload


def imported(organization, user, text: str) -> dict[str, Account]:
    job = run_now(organization, user, checked(user, text))
    assert job.status == ImportStatus.DONE, job.errors
    return {account.name: account for account in Account.objects.all()}


def test_a_column_with_a_decimal_comma_reads_2_400_as_two_thousand_four_hundred(in_org_a, csm):
    accounts = imported(in_org_a, csm, csv("name;mrr", "Acme;2.400", "Beta;1 250,50", "Gamma;1.234,5", "Delta;99"))
    assert {name: account.mrr for name, account in accounts.items()} == {
        "Acme": Decimal("2400"), "Beta": Decimal("1250.50"), "Gamma": Decimal("1234.5"), "Delta": Decimal("99"),
    }  # fmt: skip


def test_a_column_with_a_decimal_point_reads_2_400_as_two_point_four(in_org_a, csm):
    accounts = imported(in_org_a, csm, csv("name,mrr", "Acme,2.400", 'Beta,"1,250.50"', "Gamma,7"))
    assert (accounts["Acme"].mrr, accounts["Beta"].mrr) == (Decimal("2.4"), Decimal("1250.50"))


def test_a_date_with_a_day_over_12_settles_its_column_day_first(in_org_a, csm):
    accounts = imported(
        in_org_a, csm, csv("name,renewal date", "Acme,31/12/2027", "Beta,03/04/2027", "Gamma,05/05/2027")
    )
    assert {name: account.renewal_date for name, account in accounts.items()} == {
        "Acme": date(2027, 12, 31), "Beta": date(2027, 4, 3), "Gamma": date(2027, 5, 5),
    }  # fmt: skip


def test_a_date_with_a_month_first_settles_its_column_month_first(in_org_a, csm):
    accounts = imported(in_org_a, csm, csv("name,start date", "Acme,12/31/2027", "Beta,03-04-2027"))
    assert (accounts["Acme"].start_date, accounts["Beta"].start_date) == (date(2027, 12, 31), date(2027, 3, 4))


def test_each_column_is_decided_on_its_own(in_org_a, org_a, csm):
    CustomField.objects.create(organization=org_a, key="budget", label="Budget", field_type="number")
    CustomField.objects.create(organization=org_a, key="golive", label="Go-live", field_type="date")
    text = csv(
        "name;mrr;budget;start date;go-live",
        "Acme;2.400;2.400;31/01/2027;01/31/2027",
        "Beta;1,5;1,250.00;02/03/2027;02/03/2027",
    )
    accounts = imported(in_org_a, csm, text)
    assert (accounts["Acme"].mrr, accounts["Beta"].mrr) == (Decimal("2400"), Decimal("1.5"))
    # Kept as plain decimals: 2.4 (not 2.400), 1250 (not 1.25E+3).
    assert [accounts[name].custom_fields["budget"] for name in ("Acme", "Beta")] == ["2.4", "1250"]
    assert (accounts["Acme"].start_date, accounts["Beta"].start_date) == (date(2027, 1, 31), date(2027, 3, 2))
    assert [accounts[name].custom_fields["golive"] for name in ("Acme", "Beta")] == ["2027-01-31", "2027-02-03"]


def test_a_column_that_cannot_tell_is_asked_about_not_guessed(in_org_a, csm):
    job = checked(csm, csv("name,mrr", "Acme,2.400", "Beta,1.500", "Gamma,12"))
    assert job.status == ImportStatus.INVALID and not Account.objects.exists()
    [(row, column, message)] = problems(job)
    assert (row, column) == (None, "mrr")
    assert (
        "“2.400” and “1.500”" in message and "2.400” is 2.4 with a decimal point, 2400 with a decimal comma" in message
    )
    assert job.summary["questions"].keys() == {"mrr"}

    dates = checked(csm, csv("name,renewal date", "Acme,03/04/2027", "Beta,05/05/2027"))
    [(row, column, message)] = problems(dates)
    assert (row, column) == (None, "renewal date") and "day first or month first" in message


def test_a_column_that_mixes_both_ways_is_asked_about(in_org_a, csm):
    job = checked(csm, csv("name;mrr", "Acme;1,234.50", "Beta;1.234,50"))
    [(row, _, message)] = problems(job)
    assert row is None and "“1,234.50”, row 2" in message and "“1.234,50”, row 3" in message


def test_the_mapping_step_asks_and_the_answer_decides(csm_client, org_a, django_capture_on_commit_callbacks):
    url = job_url(upload(csm_client, csv("Company,MRR,Renewal date", "Acme,2.400,03/04/2027", "Beta,1.500,")))
    with django_capture_on_commit_callbacks(execute=True):
        csm_client.post(url + "map/", {"name": "0", "mrr": "1", "renewal_date": "2"})
    page = csm_client.get(url).content.decode()
    assert "How these columns are written" in page and "How to read MRR" in page and "How to read Renewal date" in page
    assert 'value="comma"' in page and 'value="dmy"' in page
    # Checking again without answering is refused; answering decides.
    response = csm_client.post(url + "map/", {"name": "0", "mrr": "1", "renewal_date": "2"})
    assert response.status_code == 400 and "the check cannot tell" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        answer = {"name": "0", "mrr": "1", "renewal_date": "2", "format_mrr": "comma", "format_renewal_date": "dmy"}
        csm_client.post(url + "map/", answer)
    with activate(org_a):
        job = ImportJob.objects.get()
        assert job.status == ImportStatus.VALID and job.formats == {"mrr": "comma", "renewal_date": "dmy"}
    page = csm_client.get(url).content.decode()
    assert "MRR — 1.234,50: a comma before the decimals (as you said)" in page
    with activate(org_a):
        run_now(org_a, job.created_by, job)
        acme = Account.objects.get(name="Acme")
        assert (acme.mrr, acme.renewal_date) == (Decimal("2400"), date(2027, 4, 3))
        assert Account.objects.get(name="Beta").mrr == Decimal("1500")


def test_the_confirm_step_says_how_each_column_was_read(csm_client, org_a, django_capture_on_commit_callbacks):
    url = job_url(upload(csm_client, csv("Company;MRR", "Acme;2.400", "Beta;1 250,50")))
    with django_capture_on_commit_callbacks(execute=True):
        csm_client.post(url + "map/", {"name": "0", "mrr": "1"})
    page = csm_client.get(url).content.decode()
    assert "Ready to import" in page
    assert "MRR — 1.234,50: a comma before the decimals (from “1 250,50”, row 3)" in page


def test_a_value_against_the_chosen_way_is_a_problem_of_its_row(in_org_a, csm):
    job = checked(csm, csv("name,mrr", "Acme,2.400", 'Beta,"1,250.00"'))
    assert job.status == ImportStatus.VALID
    job = importing.check_import(actor=csm, job=job, mapping=job.mapping, formats={"mrr": formats.COMMA})
    assert problems(job) == [
        (3, "mrr", "has a decimal point, but this column's numbers have a decimal comma (1.234,50).")
    ]


@pytest.mark.parametrize(
    ("text", "convention", "expected"),
    [
        ("2.400", formats.COMMA, "2400"),
        ("2.400", formats.POINT, "2.4"),
        ("1,500", formats.COMMA, "1.5"),
        ("1,500", formats.POINT, "1500"),
        ("$ 1,234", formats.POINT, "1234"),
        ("1 250,50 €", formats.COMMA, "1250.50"),
        ("0,500", "", "0.5"),  # no thousands start with a 0
        ("1.234.567", "", "1234567"),
    ],
)
def test_numbers_read_by_their_columns_way(text, convention, expected):
    assert values.parse_decimal(text, places=4, convention=convention) == Decimal(expected)


def test_a_number_that_reads_two_ways_is_not_read_alone():
    with pytest.raises(values.CellError, match=r"reads as 2.4 or 2400"):
        values.parse_decimal("2.400", places=2)


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("31/12/2027", "", date(2027, 12, 31)),
        ("12/31/2027", "", date(2027, 12, 31)),
        ("03/04/2027", formats.DMY, date(2027, 4, 3)),
        ("03/04/2027", formats.MDY, date(2027, 3, 4)),
        ("05-05-2027", "", date(2027, 5, 5)),
    ],
)
def test_dates_read_by_their_columns_order(text, order, expected):
    assert values.parse_date(text, order) == expected


@pytest.mark.parametrize(
    ("text", "order", "message"),
    [
        ("03/04/2027", "", "ambiguous"),
        ("12/31/2027", formats.DMY, "is month first, but this column's dates are day first"),
        ("31/02/2027", "", "not a date that exists"),
        ("31/12/27", "", "two-digit year"),
    ],
)
def test_dates_that_cannot_be_read_so(text, order, message):
    with pytest.raises(values.CellError, match=message):
        values.parse_date(text, order)
