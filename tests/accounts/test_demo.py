"""The demo data: `seed_demo` gives `demo` a realistic, complete book of accounts once, and `--org NAME --accounts N`
generates an organization of any size, through bulk_create (row-level security applies) or COPY (the ops role)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import connections
from django.utils.timezone import localdate, now

from accounts import markdown
from accounts.demo import company
from accounts.demo.base import NAME_SPACE
from accounts.models import (
    Account,
    AccountTag,
    Contact,
    LifecycleStage,
    Milestone,
    Note,
    Segment,
    SuccessPlan,
    Task,
    Ticket,
    Tier,
)
from csm.models import ActivityLog, Membership, Organization, Role, User
from csm.tenancy import activate

WORKSPACE_MODELS = [Account, AccountTag, Contact, Note, Task, SuccessPlan, Milestone, Ticket, Segment, ActivityLog]


def seed(*args: str) -> None:
    call_command("seed_demo", *args, verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115


def counts(organization: Organization) -> dict[str, int]:
    with activate(organization):
        return {model.__name__: model.objects.count() for model in WORKSPACE_MODELS}


def timeline_verbs(organization: Organization) -> Counter[str]:
    account_type = ContentType.objects.get_for_model(Account)
    with activate(organization):
        return Counter(ActivityLog.objects.filter(about_type=account_type).values_list("verb", flat=True))


@pytest.mark.django_db
def test_seed_demo_gives_demo_a_complete_book_of_accounts_once():
    seed()
    demo = Organization.objects.get(slug="demo")
    acme = Organization.objects.get(slug="acme")
    people = {user.email: user for user in User.objects.filter(email__endswith="@demo.test")}
    today = localdate()
    with activate(demo):
        accounts = list(Account.objects.all())
        assert len(accounts) == 300
        assert {a.tier_id for a in accounts} == set(Tier.objects.values_list("pk", flat=True))
        assert {a.stage_id for a in accounts} == set(LifecycleStage.objects.values_list("pk", flat=True))
        owners = Counter(a.owner_id for a in accounts)
        for email in ("csm@demo.test", "csm2@demo.test"):
            assert owners[people[email].pk] > 100
        assert 5 <= owners[people["manager@demo.test"].pk] <= 40

        churned = [a for a in accounts if a.churn_date is not None]
        assert churned and all(a.churn_reason and a.stage.is_churned for a in churned)
        renewals = [(a.renewal_date - today).days for a in accounts if a.renewal_date]
        assert all(days >= 0 for days in renewals)
        assert sum(days <= 30 for days in renewals) >= 5
        assert sum(days <= 90 for days in renewals) > sum(days <= 30 for days in renewals)
        mrr_by_tier = {
            tier.name: [a.mrr for a in accounts if a.tier_id == tier.pk and a.mrr] for tier in Tier.objects.all()
        }
        assert max(mrr_by_tier["Tech-touch"]) < min(mrr_by_tier["Enterprise"])
        assert {"beta", "upsell-candidate", "at-risk", "reference", "strategic"} <= set(
            AccountTag.objects.values_list("tag__name", flat=True)
        )
        assert {a.health_band for a in accounts} == {"healthy", "neutral", "at_risk", ""}

        per_account = Counter(Contact.objects.values_list("account_id", flat=True))
        assert set(per_account) == {a.pk for a in accounts}
        assert min(per_account.values()) >= 3 and max(per_account.values()) <= 6
        champions = Contact.objects.filter(role="champion")
        assert 10 <= len(accounts) - champions.values("account").distinct().count() <= 70
        gone = champions.filter(status="left")
        assert gone.exists() and not gone.filter(left_on=None).exists()
        champion = champions.filter(status="active", reports_to__isnull=False).select_related("reports_to").first()
        assert champion is not None and champion.reports_to.role == "executive_sponsor"
        assert Contact.objects.filter(role="user", reports_to__role="champion").exists()

        tasks = Task.objects.filter(assignee=people["csm@demo.test"])
        assert tasks.filter(status="done").exists()
        assert tasks.filter(status="open", due_date__lt=today).exists()
        assert tasks.filter(status="open", due_date=today).exists()
        assert tasks.filter(status="open", due_date__gt=today).exists()
        assert set(Ticket.objects.values_list("status", flat=True)) == {"new", "open", "pending", "solved", "closed"}
        resolved = Ticket.objects.filter(resolved_at__isnull=False)
        assert all(t.resolved_at > t.opened_at for t in resolved)
        numbers = sorted(Ticket.objects.values_list("number", flat=True))
        assert numbers == list(range(1, len(numbers) + 1))
        plans = SuccessPlan.objects.filter(template__name="30/60/90-day onboarding")
        assert plans.count() >= 30
        assert Milestone.objects.filter(status="done").exists() and Milestone.objects.filter(status="open").exists()
        assert Note.objects.values("kind").distinct().count() == 3
        for note in Note.objects.order_by("pk")[:: max(1, Note.objects.count() // 150)]:
            assert note.body_html == markdown.render(note.body)

        moment = now()
        entries = ActivityLog.objects.filter(about_id__isnull=False)
        assert not entries.filter(created_at__gt=moment).exists()
        assert entries.filter(created_at__lt=moment - timedelta(days=300)).exists()
        note_entry = entries.filter(verb="call.logged").first()
        assert note_entry is not None
        call = Note.objects.get(pk=note_entry.target_id)
        assert note_entry.about_id == call.account_id and call.kind == "call" and call.contact_id
        assert note_entry.actor_user_id == call.author_id
        stage_entry = entries.filter(verb="account.stage_changed", changes__has_key="churn_reason").first()
        assert stage_entry is not None and stage_entry.changes["stage"][1] == "Churned"
        assert Segment.objects.filter(is_shared=True).exists()

    verbs = timeline_verbs(demo)
    for verb in (
        "account.created", "account.stage_changed", "account.owner_changed", "account.tags_changed", "contact.added",
        "contact.left", "note.added", "call.logged", "meeting.logged", "task.created", "task.completed",
        "task.snoozed", "ticket.opened", "ticket.updated", "ticket.resolved", "plan.started", "milestone.completed",
        "plan.completed",
    ):  # fmt: skip
        assert verbs[verb] > 0, verb
    assert 5_000 < sum(verbs.values()) < 12_000
    assert counts(acme)["Account"] == 0  # acme stays empty: the empty states are worth seeing too

    before = counts(demo)
    seed()
    assert counts(demo) == before
    with activate(demo):
        assert Membership.objects.count() == 4


@pytest.mark.django_db
def test_seed_demo_generates_an_organization_of_the_requested_size():
    seed("--org", "bigco", "--accounts", "200", "--method", "bulk_create")
    organization = Organization.objects.get(slug="bigco")
    with activate(organization):
        roles = Counter(Membership.objects.values_list("role", flat=True))
        assert roles == {Role.ADMIN: 1, Role.CSM: 5}
        assert Account.objects.count() == 200
        assert Account.objects.filter(owner__email="csm1@bigco.test").exists()
        assert not Account.objects.exclude(organization=organization).exists()
    before = counts(organization)
    assert before["Contact"] >= 600 and before["ActivityLog"] >= 200 * 12
    seed("--org", "bigco", "--accounts", "200")
    assert counts(organization) == before


def book(slug: str) -> list[tuple]:
    organization = Organization.objects.get(slug=slug)
    with activate(organization):
        return [
            (a.name, a.domains, a.mrr, a.stage.name, a.renewal_date, sorted(c.name for c in a.contacts.all()))
            for a in Account.objects.select_related("stage").prefetch_related("contacts").order_by("external_id")
        ]


@pytest.mark.django_db
def test_the_same_seed_tells_the_same_stories():
    seed("--org", "twin-a", "--accounts", "40", "--method", "bulk_create")
    seed("--org", "twin-b", "--accounts", "40", "--method", "bulk_create")
    seed("--org", "other-seed", "--accounts", "40", "--method", "bulk_create", "--seed", "7")
    assert book("twin-a") == book("twin-b")
    assert book("twin-a") != book("other-seed")


@pytest.mark.django_db
def test_seed_demo_refuses_accounts_without_an_organization():
    with pytest.raises(CommandError, match="--org"):
        seed("--accounts", "10")
    with pytest.raises(CommandError, match="at least 1"):
        seed("--org", "empty", "--accounts", "0")
    with pytest.raises(CommandError, match="reserved"):
        seed("--org", "login", "--accounts", "5")
    assert not Organization.objects.filter(slug__in=["empty", "login"]).exists()


@pytest.mark.django_db(transaction=True, databases=["default", "ops"])
def test_seed_demo_copies_a_large_organization_through_the_ops_role():
    seed("--org", "copyco", "--accounts", "150", "--method", "copy")
    organization = Organization.objects.get(slug="copyco")
    with activate(organization):  # read back as the app role: row-level security lets the organization see its rows
        assert Account.objects.count() == 150
        contact = Contact.objects.select_related("account").first()
        assert contact is not None and contact.email.endswith("@" + contact.account.domains)
        entry = ActivityLog.objects.filter(verb="ticket.resolved").first()
        assert entry is not None and entry.target_repr.startswith("#") and entry.changes["status"][0] == "open"
        assert ActivityLog.objects.filter(verb="demo.seeded").get().data["method"] == "copy"
    with connections["ops"].cursor() as cursor:
        cursor.execute("SELECT DISTINCT organization_id FROM accounts_contact UNION SELECT DISTINCT organization_id "
                       "FROM csm_activitylog WHERE about_id IS NOT NULL")  # fmt: skip
        assert [row[0] for row in cursor.fetchall()] == [organization.pk]
    other = Organization.objects.create(name="Other", slug="other")
    with activate(other):
        assert Account.objects.count() == 0


def test_company_names_and_domains_are_unique():
    companies = [company(index) for index in range(NAME_SPACE + 500)]
    assert len({name for name, *_ in companies}) == len(companies)
    assert len({domain for _, domain, *_ in companies}) == len(companies)
    assert company(5) == company(5)
