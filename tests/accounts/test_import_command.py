"""`manage.py import_accounts_csv`: the import page's rules from the command line. A file is read, every row checked,
and the accounts and contacts written only when the whole file is valid, in the organization given with `--org` and
as the member given with `--as`; every refusal says why and leaves the organization as it was."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Account, Contact, ImportJob, ImportStatus
from accounts.services import importing
from csm.models import ActivityLog, Membership, Organization, Role
from csm.tenancy import activate
from tests.conftest import make_member
from tests.factories import AccountFactory, ContactFactory

HEADER = "Company,External id,Website,Owner email,MRR,Contact name,Contact email,Notes"


@dataclass
class Output:
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        return self.stdout.splitlines()

    @property
    def problems(self) -> list[str]:
        return self.stderr.splitlines()


def write_csv(tmp_path: Path, *rows: str, name: str = "accounts.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(rows) + "\n")
    return path


def import_csv(*args: str) -> Output:
    """Run the command as it is typed (the options go through its argument parser), capturing what it prints."""
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("import_accounts_csv", *args, stdout=stdout, stderr=stderr)
    return Output(stdout.getvalue(), stderr.getvalue())


def refused(*args: str) -> tuple[str, Output]:
    """Run the command expecting a refusal: its message and what it printed before."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("import_accounts_csv", *args, stdout=stdout, stderr=stderr)
    return str(error.value), Output(stdout.getvalue(), stderr.getvalue())


def state(organization: Organization) -> tuple[list[tuple[str, str | None, Decimal, str]], list[tuple[str, str]]]:
    """The organization's accounts (name, external id, MRR, owner) and contacts (name, email)."""
    with activate(organization):
        accounts = [
            (a.name, a.external_id, a.mrr, a.owner.email if a.owner else "")
            for a in Account.objects.select_related("owner").order_by("name")
        ]
        contacts = list(Contact.objects.order_by("email").values_list("name", "email"))
    return accounts, contacts


def jobs(organization: Organization) -> list[str]:
    with activate(organization):
        return list(ImportJob.objects.order_by("pk").values_list("status", flat=True))


# -- Importing ---------------------------------------------------------------------------------------------------


def test_a_valid_file_imports_its_accounts_and_contacts_and_prints_the_summary(tmp_path, org_a, admin, csm):
    # Carol (the `csm` fixture) is a member, so she may own accounts.
    path = write_csv(
        tmp_path,
        HEADER,
        "Acme,A-1,acme.com,carol@alpha.test,1234.50,Jane Doe,jane@acme.com,met at the fair",
        "Acme,A-1,acme.com,carol@alpha.test,1234.50,John Roe,john@acme.com,",
        "Beta,B-2,beta.com,,200,,,",
    )
    # The email is matched as people type it: spaces and capitals do not matter.
    output = import_csv("--org", "alpha", "--file", str(path), "--as", " Alice@Alpha.TEST ")
    assert output.lines[:9] == [
        "accounts.csv: 3 rows, utf-8, delimiter ','",
        "  A · Company → Name",
        "  B · External id → External id",
        "  C · Website → Domains",
        "  D · Owner email → Owner",
        "  E · MRR → MRR",
        "  F · Contact name → Contact name",
        "  G · Contact email → Contact email",
        "  H · Notes → not imported",
    ]
    assert output.lines[9].startswith("checked in ") and output.lines[9].endswith(" s")
    assert output.lines[10:12] == [
        "will accounts 2 created, 0 updated, 0 unchanged; contacts 2 created, 0 updated, 0 unchanged",
        "imported 3 rows: accounts 2 created, 0 updated, 0 unchanged; contacts 2 created, 0 updated, 0 unchanged",
    ]
    assert output.lines[12].startswith("done in ") and len(output.lines) == 13
    assert output.stderr == ""
    assert state(org_a) == (
        [("Acme", "A-1", Decimal("1234.50"), "carol@alpha.test"), ("Beta", "B-2", Decimal("200.00"), "")],
        [("Jane Doe", "jane@acme.com"), ("John Roe", "john@acme.com")],
    )
    with activate(org_a):
        job = ImportJob.objects.get()
        assert (job.status, job.created_by, job.filename, job.processed_rows) == (
            ImportStatus.DONE,
            admin,
            "accounts.csv",
            3,
        )
        # The organization's activity log says who imported the file.
        finished = ActivityLog.objects.get(verb="import.finished")
        assert (finished.actor_user, finished.target_id) == (admin, job.pk)
        assert (
            ActivityLog.objects.get(verb="account.imported", target_id=Account.objects.get(name="Acme").pk).actor_user
            == admin
        )


def test_check_reports_what_the_import_would_do_and_writes_no_account(tmp_path, org_a, manager):
    with activate(org_a):
        AccountFactory(name="Acme", external_id="A-1", domains="acme.com", mrr=Decimal(100))
    before = state(org_a)
    path = write_csv(tmp_path, HEADER, "Acme,A-1,acme.com,,150,Jane Doe,jane@acme.com,", "Beta,B-2,beta.com,,200,,,")
    output = import_csv("--org", "alpha", "--file", str(path), "--as", manager.email, "--check")
    assert output.lines[-1] == (
        "would accounts 1 created, 1 updated, 0 unchanged; contacts 1 created, 0 updated, 0 unchanged"
    )
    assert not any(line.startswith(("imported", "done in")) for line in output.lines)
    assert state(org_a) == before
    # Nothing stays behind: no job keeps the file (customers' names and emails).
    assert jobs(org_a) == []


def test_rows_update_the_accounts_they_match(tmp_path, org_a, manager):
    with activate(org_a):
        account = AccountFactory(name="Acme", external_id="A-1", domains="acme.com", mrr=Decimal(100))
        ContactFactory(account=account, name="Jane", email="jane@acme.com")
    path = write_csv(tmp_path, HEADER, "Acme Inc,A-1,acme.com,,150,Jane Doe,jane@acme.com,")
    output = import_csv("--org", "alpha", "--file", str(path), "--as", manager.email)
    assert output.lines[-2] == (
        "imported 1 rows: accounts 0 created, 1 updated, 0 unchanged; contacts 0 created, 1 updated, 0 unchanged"
    )
    assert state(org_a) == ([("Acme Inc", "A-1", Decimal("150.00"), "")], [("Jane Doe", "jane@acme.com")])


def test_the_import_stays_inside_its_organization(tmp_path, org_a, org_b, admin):
    with activate(org_b):
        AccountFactory(name="Acme (Beta's)", external_id="A-1", domains="acme.com", mrr=Decimal(999))
        ContactFactory(account=Account.objects.get(), name="Jane B", email="jane@acme.com")
        log_before = ActivityLog.objects.count()
    beta_before = state(org_b)
    path = write_csv(tmp_path, HEADER, "Acme,A-1,acme.com,,100,Jane Doe,jane@acme.com,")
    output = import_csv("--org", "alpha", "--file", str(path), "--as", admin.email)
    # Same external id, domain and contact email as organization B's rows: new in A, since B's are not seen.
    assert output.lines[-2] == (
        "imported 1 rows: accounts 1 created, 0 updated, 0 unchanged; contacts 1 created, 0 updated, 0 unchanged"
    )
    assert state(org_a) == ([("Acme", "A-1", Decimal("100.00"), "")], [("Jane Doe", "jane@acme.com")])
    assert state(org_b) == beta_before
    with activate(org_b):
        assert ActivityLog.objects.count() == log_before and not ImportJob.objects.exists()


# -- Delimiters --------------------------------------------------------------------------------------------------


def test_a_semicolon_file_is_read_with_its_delimiter(tmp_path, org_a, admin):
    path = write_csv(tmp_path, "Company;External id;MRR", "Acme;A-1;1.234,50", "Beta;B-2;99,9")
    output = import_csv("--org", "alpha", "--file", str(path), "--as", admin.email, "--delimiter", ";")
    assert output.lines[0] == "accounts.csv: 2 rows, utf-8, delimiter ';'"
    assert state(org_a)[0] == [("Acme", "A-1", Decimal("1234.50"), ""), ("Beta", "B-2", Decimal("99.90"), "")]


def test_the_delimiter_option_overrides_the_detected_one(tmp_path, org_a, admin):
    # As many commas as semicolons in the header: detection says comma, and would read no company column.
    path = write_csv(tmp_path, "Company;Notes, internal", "Acme;big, important", "Beta;small")
    message, detected = refused("--org", "alpha", "--file", str(path), "--as", admin.email, "--check")
    assert detected.lines[:3] == [
        "accounts.csv: 2 rows, utf-8, delimiter ','",
        "  A · Company;Notes → not imported",
        "  B · internal → not imported",
    ]
    assert message == "2 problems: nothing was imported."
    assert [problem.partition(":")[2] for problem in detected.problems] == [
        " is required: every row names its account.",
        " is required: every row names its account.",
    ]
    output = import_csv("--org", "alpha", "--file", str(path), "--as", admin.email, "--delimiter", ";")
    assert output.lines[:3] == [
        "accounts.csv: 2 rows, utf-8, delimiter ';'",
        "  A · Company → Name",
        "  B · Notes, internal → not imported",
    ]
    assert [name for name, *_ in state(org_a)[0]] == ["Acme", "Beta"]


def test_a_delimiter_that_cannot_read_the_header_is_refused(tmp_path, org_a, admin):
    path = write_csv(tmp_path, "Company,Size;50", "Acme,big")
    message, _ = refused("--org", "alpha", "--file", str(path), "--as", admin.email, "--delimiter", ";")
    assert message == (
        f"{path}: The first row looks like data (“50”), not like column names. Add a first row that names the columns "
        "(Company, Domain, Owner email…)."
    )
    assert state(org_a)[0] == []


def test_only_a_comma_or_a_semicolon_is_a_delimiter(tmp_path, org_a, admin):
    path = write_csv(tmp_path, "Company|MRR", "Acme|10")
    message, _ = refused("--org", "alpha", "--file", str(path), "--as", admin.email, "--delimiter", "|")
    assert "argument --delimiter: invalid choice: '|'" in message
    assert jobs(org_a) == []


# -- Refusals ----------------------------------------------------------------------------------------------------


def test_a_file_with_bad_rows_prints_each_problem_and_imports_nothing(tmp_path, org_a, admin):
    path = write_csv(
        tmp_path,
        HEADER,
        "Acme,A-1,acme.com,,lots,,,",
        ",B-2,beta.com,,10,,,",
        "Gamma,G-1,gamma.com,nobody@alpha.test,10,,,",
        "Delta,D-1,delta.com,,10,,,,surprise",
    )
    message, output = refused("--org", "alpha", "--file", str(path), "--as", admin.email)
    assert message == "4 problems: nothing was imported."
    assert output.problems == [
        "row 2, E · MRR: “lots” is not a number: write 1234.50, 1,234.50 or 1234,50.",
        "row 3, A · Company: is required: every row names its account.",
        "row 4, D · Owner email: “nobody@alpha.test” is not the email of an active member of Alpha Corp.",
        "row 5: “surprise” The row has 9 cells but the header names 8 columns.",
    ]
    assert not any(line.startswith(("will", "imported")) for line in output.lines)
    assert state(org_a) == ([], [])
    assert jobs(org_a) == [ImportStatus.INVALID]


def test_only_the_first_fifty_problems_are_printed(tmp_path, org_a, admin):
    path = write_csv(tmp_path, "Company,MRR", *[f"Acme {i},-{i + 1}" for i in range(60)])
    message, output = refused("--org", "alpha", "--file", str(path), "--as", admin.email)
    assert message == "60 problems: nothing was imported."
    assert len(output.problems) == 50
    assert output.problems[0].startswith("row 2, B · MRR: “-1” ") and output.problems[-1].startswith("row 51, ")
    assert state(org_a) == ([], [])


def test_a_csms_file_may_not_reassign_an_account_of_someone_else_but_a_managers_may(tmp_path, org_a, csm, manager):
    with activate(org_a):
        AccountFactory(name="Acme", external_id="A-1", owner=manager)
    path = write_csv(
        tmp_path, "Company,External id,Owner email", "Acme,A-1,carol@alpha.test", "Beta,B-2,carol@alpha.test"
    )
    message, output = refused("--org", "alpha", "--file", str(path), "--as", csm.email)
    assert message.startswith("1 problem") and message.endswith(": nothing was imported.")
    assert output.problems == [
        "row 2, C · Owner email: “Carol Csm” would move the account from Mark Manager to Carol Csm: reassigning "
        "accounts needs the Manager role."
    ]
    assert [(name, owner) for name, _, _, owner in state(org_a)[0]] == [("Acme", "mark@alpha.test")]

    import_csv("--org", "alpha", "--file", str(path), "--as", manager.email)
    assert [(name, owner) for name, _, _, owner in state(org_a)[0]] == [
        ("Acme", "carol@alpha.test"),
        ("Beta", "carol@alpha.test"),
    ]


def test_an_unknown_organization_is_refused(tmp_path, org_a, admin):
    path = write_csv(tmp_path, HEADER, "Acme,A-1,acme.com,,10,,,")
    message, output = refused("--org", "alfa", "--file", str(path), "--as", admin.email)
    assert message == "No organization has the slug 'alfa'."
    assert output.stdout == "" and jobs(org_a) == []


@pytest.fixture
def former_member(org_a):
    user = make_member(org_a, "gone@alpha.test", Role.CSM)
    with activate(org_a):
        Membership.objects.filter(user=user).update(is_active=False)
    return user


@pytest.mark.parametrize(
    "email",
    [
        "nobody@alpha.test",  # no such user
        "oscar@beta.test",  # a member of organization B only
        "gone@alpha.test",  # a former member of organization A
    ],
)
def test_only_an_active_member_of_the_organization_may_import(tmp_path, org_a, outsider, former_member, email):
    path = write_csv(tmp_path, HEADER, "Acme,A-1,acme.com,,10,,,")
    message, output = refused("--org", "alpha", "--file", str(path), "--as", email)
    assert message == f"{email} is not an active member of Alpha Corp."
    assert output.stdout == ""
    assert state(org_a) == ([], []) and jobs(org_a) == []


def test_a_missing_file_is_refused(tmp_path, org_a, admin):
    path = tmp_path / "missing.csv"
    message, output = refused("--org", "alpha", "--file", str(path), "--as", admin.email)
    assert message == f"{path}: [Errno 2] No such file or directory: '{path}'"
    assert output.stdout == "" and jobs(org_a) == []


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "The file is empty."),
        ("Company\nAcme\n".encode("utf-16"), "The file is encoded as UTF-16, which the import does not read."),
        (b"Company,MRR\n", "The file has a header but no rows under it."),
    ],
)
def test_a_file_that_cannot_be_imported_is_refused_with_the_reason(tmp_path, org_a, admin, raw, reason):
    path = tmp_path / "accounts.csv"
    path.write_bytes(raw)
    message, output = refused("--org", "alpha", "--file", str(path), "--as", admin.email)
    assert message.startswith(f"{path}: {reason}")
    assert output.stdout == "" and jobs(org_a) == []


# -- When the import itself stops --------------------------------------------------------------------------------


def test_a_change_made_between_the_check_and_the_import_stops_it(tmp_path, org_a, admin, monkeypatch):
    path = write_csv(tmp_path, HEADER, "Acme,A-1,acme.com,,10,Jane Doe,jane@acme.com,")
    queue = importing.queue_import

    def someone_adds_the_contact_meanwhile(**kwargs):
        with activate(org_a):
            ContactFactory(name="Jane", email="jane@acme.com", account=AccountFactory(name="Other Co"))
        return queue(**kwargs)

    monkeypatch.setattr(importing, "queue_import", someone_adds_the_contact_meanwhile)
    message, output = refused("--org", "alpha", "--file", str(path), "--as", admin.email)
    assert output.lines[-1].startswith("will accounts 1 created")
    # The check at the start of the run found the new contact: nothing was written, and the command says why.
    assert message == "1 problem since the check: nothing was imported."
    assert "Other Co" in output.stderr
    assert [name for name, *_ in state(org_a)[0]] == ["Other Co"]
    with activate(org_a):
        job = ImportJob.objects.get()
    assert job.status == ImportStatus.INVALID
    assert [(error["row"], "Other Co" in error["message"]) for error in job.errors] == [(2, True)]


def test_a_failed_import_says_why(tmp_path, org_a, admin, monkeypatch):
    path = write_csv(tmp_path, HEADER, "Acme,A-1,acme.com,,10,Jane Doe,jane@acme.com,")

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(importing, "write_plans", broken)
    message, _ = refused("--org", "alpha", "--file", str(path), "--as", admin.email)
    assert message == "The import stopped. An unexpected error stopped it. Nothing was imported."
    assert state(org_a) == ([], []) and jobs(org_a) == [ImportStatus.FAILED]
