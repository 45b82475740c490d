"""The CSM's workspace: accounts and their people, notes, tasks, success plans, tickets and saved segments.

Every model is tenant-owned (`csm.models.TenantModel`): it carries its organization (child rows too, so any query
can filter without a join), is reached through the scoped manager and is guarded by its row-level security policy.
Foreign keys do not get Django's single-column index: every index leads with `organization_id` (see Meta.indexes).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F
from django.db.models.functions import Lower
from django.utils.timezone import localdate, now

from csm.fields import StoredGeneratedField
from csm.models import TenantModel


def tenant_fk(to: Any, *, on_delete: Any = models.CASCADE, null: bool = False, **kwargs: Any) -> Any:
    """A foreign key without Django's own single-column index: the model declares one that leads with the
    organization."""
    return models.ForeignKey(
        to,
        on_delete=on_delete,
        null=null,
        blank=null,
        db_index=False,
        related_name=kwargs.pop("related_name", "+"),
        **kwargs,
    )


# -- Settings an admin edits -------------------------------------------------------------------------------------


class Tier(TenantModel):
    """A service tier: how an account is served (tech-touch, SMB, enterprise...)."""

    name = models.CharField(max_length=60)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [models.UniqueConstraint("organization", Lower("name"), name="tier_unique_name")]
        indexes = [models.Index(fields=["organization", "position"], name="tier_org_position")]

    def __str__(self) -> str:
        return self.name


class StageCategory(models.TextChoices):
    """What a lifecycle stage means, whatever an organization calls it; metrics and the churn flow use it."""

    TRIAL = "trial", "Trial"
    ONBOARDING = "onboarding", "Onboarding"
    ADOPTION = "adoption", "Adoption"
    MATURE = "mature", "Mature"
    RENEWAL = "renewal", "Renewal"
    CHURNED = "churned", "Churned"


class LifecycleStage(TenantModel):
    name = models.CharField(max_length=60)
    category = models.CharField(max_length=16, choices=StageCategory.choices, default=StageCategory.ADOPTION)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [models.UniqueConstraint("organization", Lower("name"), name="stage_unique_name")]
        indexes = [models.Index(fields=["organization", "position"], name="stage_org_position")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_churned(self) -> bool:
        return self.category == StageCategory.CHURNED


class CustomFieldType(models.TextChoices):
    TEXT = "text", "Text"
    NUMBER = "number", "Number"
    DATE = "date", "Date"
    CHOICE = "choice", "Choice"


class CustomField(TenantModel):
    """A field admins add to accounts; values live in `Account.custom_fields` under `key`."""

    label = models.CharField(max_length=60)
    key = models.SlugField(max_length=60, db_index=False)
    field_type = models.CharField(max_length=10, choices=CustomFieldType.choices, default=CustomFieldType.TEXT)
    choices = models.JSONField(default=list, blank=True, help_text="The options of a choice field.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "label"]
        constraints = [models.UniqueConstraint(fields=["organization", "key"], name="customfield_unique_key")]

    def __str__(self) -> str:
        return self.label


class Tag(TenantModel):
    name = models.CharField(max_length=40)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint("organization", Lower("name"), name="tag_unique_name")]

    def __str__(self) -> str:
        return self.name


# -- Accounts ----------------------------------------------------------------------------------------------------


class HealthBand(models.TextChoices):
    """Filled by the health scores (a later app); empty until then."""

    HEALTHY = "healthy", "Healthy"
    NEUTRAL = "neutral", "Neutral"
    AT_RISK = "at_risk", "At risk"


NO_POSITION = 32767  # the sort key of an account without a stage or a tier: after every real position


class Account(TenantModel):
    """A customer company."""

    name = models.CharField(max_length=200)
    domains = models.TextField(blank=True, help_text="Web domains, separated by spaces: acme.com acme.io")
    external_id = models.CharField(
        max_length=100, null=True, blank=True, help_text="Your own id for the account (CRM, billing), for imports."
    )
    owner = tenant_fk(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    tier = tenant_fk(Tier, on_delete=models.PROTECT, null=True)
    stage = tenant_fk(LifecycleStage, on_delete=models.PROTECT, null=True)
    plan = models.CharField(max_length=100, blank=True)
    start_date = models.DateField(null=True, blank=True)
    renewal_date = models.DateField(null=True, blank=True)
    trial_ends_on = models.DateField("trial ends on", null=True, blank=True)
    seats = models.PositiveIntegerField(null=True, blank=True, help_text="The seats (licences) the customer pays for.")
    churn_date = models.DateField(null=True, blank=True)
    churn_reason = models.TextField(blank=True)
    mrr = models.DecimalField(
        "MRR", max_digits=12, decimal_places=2, default=Decimal(0), validators=[MinValueValidator(Decimal(0))]
    )
    health_score = models.PositiveSmallIntegerField(null=True, blank=True)
    health_band = models.CharField(max_length=10, choices=HealthBand.choices, blank=True)
    tags = models.ManyToManyField(Tag, through="AccountTag", related_name="accounts", blank=True)
    custom_fields = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)
    # Sort keys of the list, copied from the owner, the stage and the tier (accounts.services.sort_keys) so that
    # sorting 50,000 accounts by owner, stage or tier reads an index instead of joining and sorting them all.
    # The database defaults cover bulk loads (COPY) that do not name these columns.
    owner_name = models.CharField(max_length=254, blank=True, default="", db_default="", editable=False)
    stage_position = models.PositiveSmallIntegerField(default=NO_POSITION, db_default=NO_POSITION, editable=False)
    tier_position = models.PositiveSmallIntegerField(default=NO_POSITION, db_default=NO_POSITION, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                condition=models.Q(external_id__isnull=False),
                name="account_unique_external_id",
            ),
        ]
        indexes = [
            models.Index("organization", Lower("name"), "id", name="account_org_name"),
            # The board's counts and MRR per stage, of everyone's book, one person's or one tier's, read from these
            # indexes alone (the INCLUDE columns), not from 50,000 rows of the table.
            models.Index(fields=["organization", "owner", "id"], include=["stage", "mrr"], name="account_org_owner"),
            models.Index(fields=["organization", "tier", "id"], include=["stage", "mrr"], name="account_org_tier"),
            models.Index(fields=["organization", "stage", "id"], include=["mrr"], name="account_org_stage"),
            # A board column's first cards, in the board's order.
            models.Index(
                F("organization"),
                F("stage"),
                F("renewal_date").asc(nulls_last=True),
                Lower("name"),
                F("id"),
                name="account_org_stage_card",
            ),
            models.Index(fields=["organization", "renewal_date", "id"], name="account_org_renewal"),
            models.Index(fields=["organization", "mrr", "id"], name="account_org_mrr"),
            models.Index(fields=["organization", "health_score", "id"], name="account_org_health"),
            models.Index(fields=["organization", "health_band", "id"], name="account_org_band"),
            models.Index(fields=["organization", "updated_at", "id"], name="account_org_updated"),
            models.Index(fields=["organization", "start_date", "id"], name="account_org_start"),
            # The descending sorts (accounts without a value last) have PostgreSQL-only indexes: migration 0005.
            models.Index(fields=["organization", "owner_name", "id"], name="account_org_owner_name"),
            models.Index(fields=["organization", "stage_position", "id"], name="account_org_stage_position"),
            models.Index(fields=["organization", "tier_position", "id"], name="account_org_tier_position"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def arr(self) -> Decimal:
        return self.mrr * 12

    @property
    def domain_list(self) -> list[str]:
        return self.domains.split()

    @property
    def days_to_renewal(self) -> int | None:
        if self.renewal_date is None:
            return None
        return (self.renewal_date - localdate()).days

    @staticmethod
    def normalize_domains(value: str) -> str:
        """`"Acme.com, https://www.acme.io/"` → `"acme.com acme.io"`: lower case, no scheme, path or www."""
        found: list[str] = []
        for raw in value.replace(",", " ").replace(";", " ").split():
            domain = raw.strip().lower().removeprefix("http://").removeprefix("https://").split("/", 1)[0]
            domain = domain.removeprefix("www.")
            if domain and domain not in found:
                found.append(domain)
        return " ".join(found)


class RevenueSource(TenantModel):
    """Where an organization's revenue comes from when it is not entered by hand: while a row exists (one per
    organization, set by an integration such as billing's Stripe connection through `accounts.services.revenue`),
    the accounts' MRR follows that source and people cannot change it in forms or imports."""

    name = models.CharField(max_length=60, help_text="What people see: “Stripe”.")
    connected_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization"], name="revenuesource_one_per_organization")]

    def __str__(self) -> str:
        return self.name


class AccountTag(TenantModel):
    account = tenant_fk(Account)
    tag = tenant_fk(Tag)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "account", "tag"], name="accounttag_unique")]
        indexes = [models.Index(fields=["organization", "tag", "account"], name="accounttag_org_tag")]


class ContactRole(models.TextChoices):
    CHAMPION = "champion", "Champion"
    EXECUTIVE_SPONSOR = "executive_sponsor", "Executive sponsor"
    DECISION_MAKER = "decision_maker", "Decision maker"
    USER = "user", "User"
    BILLING = "billing", "Billing"


class ContactStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    LEFT = "left", "Left the company"


class Contact(TenantModel):
    """A person at a customer: a stakeholder of the account."""

    account = tenant_fk(Account, related_name="contacts")
    name = models.CharField(max_length=150)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    title = models.CharField(max_length=100, blank=True)
    role = models.CharField(max_length=20, choices=ContactRole.choices, default=ContactRole.USER)
    reports_to = tenant_fk("self", on_delete=models.SET_NULL, null=True, related_name="reports")
    is_primary = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=ContactStatus.choices, default=ContactStatus.ACTIVE)
    left_on = models.DateField(null=True, blank=True)
    last_contacted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "organization", Lower("email"), condition=~models.Q(email=""), name="contact_unique_email"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "account", "name"], name="contact_org_account"),
            models.Index(fields=["organization", "reports_to"], name="contact_org_reports_to"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_left(self) -> bool:
        return self.status == ContactStatus.LEFT


# -- Work on an account ------------------------------------------------------------------------------------------


class NoteKind(models.TextChoices):
    NOTE = "note", "Note"
    CALL = "call", "Call"
    MEETING = "meeting", "Meeting"


class Note(TenantModel):
    """A note, or a call or meeting logged, on an account. `body` is Markdown; `body_html` its sanitized rendering."""

    account = tenant_fk(Account)
    kind = models.CharField(max_length=10, choices=NoteKind.choices, default=NoteKind.NOTE)
    author = tenant_fk(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    contact = tenant_fk(Contact, on_delete=models.SET_NULL, null=True)
    body = models.TextField()
    body_html = models.TextField(editable=False)
    occurred_at = models.DateTimeField(default=now)
    duration_minutes = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["organization", "account", "-occurred_at"], name="note_org_account")]

    def __str__(self) -> str:
        from accounts import markdown  # the model module stays free of the rendering libraries at import

        return f"{self.get_kind_display()}: {markdown.summary(self.body)}"


class TaskStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    SNOOZED = "snoozed", "Snoozed"


class TaskPriority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


# Tasks and tickets share their priorities: most urgent first.
PRIORITY_ORDER = {"urgent": 0, "high": 1, "normal": 2, "low": 3}


def priority_rank() -> models.Case:
    """The priority as a number to sort by (PRIORITY_ORDER), in SQL. Tasks store it (`Task.priority_rank`): their
    pages sort by it in every query, and compiling this CASE costs more than running the query."""
    return models.Case(
        *(models.When(priority=value, then=models.Value(rank)) for value, rank in PRIORITY_ORDER.items()),
        default=models.Value(len(PRIORITY_ORDER)),
        output_field=models.IntegerField(),
    )


class TaskSource(models.TextChoices):
    MANUAL = "manual", "Manual"
    AUTOMATION = "automation", "Automation"


class Task(TenantModel):
    account = tenant_fk(Account, null=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    assignee = tenant_fk(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    due_date = models.DateField(null=True, blank=True)
    priority = models.CharField(max_length=10, choices=TaskPriority.choices, default=TaskPriority.NORMAL)
    # The priority as a number to sort by, kept by PostgreSQL (a stored generated column).
    priority_rank = StoredGeneratedField(expression=priority_rank(), output_field=models.IntegerField())
    status = models.CharField(max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    snoozed_until = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=12, choices=TaskSource.choices, default=TaskSource.MANUAL)
    created_by = tenant_fk(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    created_at = models.DateTimeField(default=now)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = tenant_fk(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [
            # A person's open tasks by due date, then priority: the order of the tasks page and the start page, so
            # the first rows of a group are read in order from the index, however many tasks share a due date.
            # The counts of the groups read it alone (organization, assignee, status, due date).
            models.Index(
                fields=["organization", "assignee", "status", "due_date", "priority_rank", "id"],
                name="task_org_assignee_due",
            ),
            models.Index(fields=["organization", "account", "status", "due_date"], name="task_org_account"),
            # A person's sleeping tasks by wake-up day, and their latest done ones: the tasks page's two short lists
            # read the first rows of these instead of every snoozed (or done) task of the person.
            models.Index(
                fields=["organization", "assignee", "snoozed_until", "id"],
                condition=models.Q(status="snoozed"),
                name="task_org_assignee_snoozed",
            ),
            models.Index(
                fields=["organization", "assignee", "-completed_at", "-id"],
                condition=models.Q(status="done"),
                name="task_org_assignee_done",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return self.status == TaskStatus.OPEN and self.due_date is not None and self.due_date < localdate()


class OwnerSide(models.TextChoices):
    """Joint accountabilities: who delivers a milestone."""

    CUSTOMER = "customer", "Customer"
    US = "us", "Us"


class PlanTemplate(TenantModel):
    """A success-plan template, such as "30/60/90-day onboarding"."""

    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint("organization", Lower("name"), name="plantemplate_unique_name")]

    def __str__(self) -> str:
        return self.name


class PlanTemplateItem(TenantModel):
    """A milestone of a template: due `offset_days` after the plan starts, under an objective."""

    template = tenant_fk(PlanTemplate, related_name="items")
    objective = models.CharField(max_length=120)
    title = models.CharField(max_length=200)
    offset_days = models.PositiveSmallIntegerField(default=30)
    owner_side = models.CharField(max_length=10, choices=OwnerSide.choices, default=OwnerSide.US)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "offset_days", "id"]
        indexes = [models.Index(fields=["organization", "template", "position"], name="plantemplateitem_org_tpl")]

    def __str__(self) -> str:
        return self.title


class PlanStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    ABANDONED = "abandoned", "Abandoned"


class SuccessPlan(TenantModel):
    account = tenant_fk(Account)
    name = models.CharField(max_length=120)
    template = tenant_fk(PlanTemplate, on_delete=models.SET_NULL, null=True)
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default=PlanStatus.ACTIVE)
    starts_on = models.DateField(default=localdate)
    created_by = tenant_fk(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "account", "status"], name="successplan_org_account")]

    def __str__(self) -> str:
        return self.name


class MilestoneStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"


class Milestone(TenantModel):
    """A dated step of a success plan, under an objective, owned by the customer or by us."""

    plan = tenant_fk(SuccessPlan, related_name="milestones")
    account = tenant_fk(Account)
    objective = models.CharField(max_length=120)
    title = models.CharField(max_length=200)
    due_date = models.DateField(null=True, blank=True)
    owner_side = models.CharField(max_length=10, choices=OwnerSide.choices, default=OwnerSide.US)
    status = models.CharField(max_length=10, choices=MilestoneStatus.choices, default=MilestoneStatus.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "due_date", "id"]
        indexes = [
            models.Index(fields=["organization", "plan", "position"], name="milestone_org_plan"),
            models.Index(fields=["organization", "account", "status", "due_date"], name="milestone_org_account"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return self.status == MilestoneStatus.OPEN and self.due_date is not None and self.due_date < localdate()


class TicketStatus(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    PENDING = "pending", "Pending"
    SOLVED = "solved", "Solved"
    CLOSED = "closed", "Closed"


RESOLVED_TICKET_STATUSES = (TicketStatus.SOLVED, TicketStatus.CLOSED)


class TicketPriority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class TicketChannel(models.TextChoices):
    MANUAL = "manual", "Manual"
    EMAIL = "email", "Email"
    API = "api", "API"


class Ticket(TenantModel):
    """A support ticket. `number` counts per organization (#1, #2, ...)."""

    number = models.PositiveIntegerField()
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    account = tenant_fk(Account, null=True)
    contact = tenant_fk(Contact, on_delete=models.SET_NULL, null=True)
    status = models.CharField(max_length=10, choices=TicketStatus.choices, default=TicketStatus.NEW)
    priority = models.CharField(max_length=10, choices=TicketPriority.choices, default=TicketPriority.NORMAL)
    channel = models.CharField(max_length=10, choices=TicketChannel.choices, default=TicketChannel.MANUAL)
    assignee = tenant_fk(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    opened_at = models.DateTimeField(default=now)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [models.UniqueConstraint(fields=["organization", "number"], name="ticket_unique_number")]
        indexes = [
            models.Index(fields=["organization", "status", "-opened_at"], name="ticket_org_status"),
            models.Index(fields=["organization", "account", "-opened_at"], name="ticket_org_account"),
            models.Index(fields=["organization", "assignee", "status"], name="ticket_org_assignee"),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"

    @property
    def resolution_time(self) -> Any:
        if self.resolved_at is None:
            return None
        return self.resolved_at - self.opened_at


class TicketNote(TenantModel):
    """An internal note on a ticket: what the team knows or did, never sent to the customer."""

    ticket = tenant_fk(Ticket, on_delete=models.CASCADE, related_name="notes")
    author = tenant_fk(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    body = models.TextField()
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["organization", "ticket", "created_at"], name="ticketnote_org_ticket")]

    def __str__(self) -> str:
        from accounts import markdown  # the model module stays free of the rendering libraries at import

        return markdown.summary(self.body)


class Segment(TenantModel):
    """A saved, named filter over accounts; who is in it is always computed live from `query`."""

    name = models.CharField(max_length=100)
    owner = tenant_fk(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    is_shared = models.BooleanField(default=False, help_text="Shared segments are visible to the whole team.")
    query = models.JSONField(default=dict, help_text="The account list's filters, as in its query string.")
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["organization", "owner", "name"], name="segment_org_owner")]

    def __str__(self) -> str:
        return self.name


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", "Uploaded"
    CHECKING = "checking", "Checking"
    INVALID = "invalid", "Has errors"
    VALID = "valid", "Ready to import"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Importing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    DISCARDED = "discarded", "File discarded"


class ImportJob(TenantModel):
    """A CSV import of accounts (and contacts): uploaded, mapped, validated, then run by a worker."""

    created_by = tenant_fk(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    filename = models.CharField(max_length=255)
    content = models.TextField(
        blank=True, help_text="The decoded file of a job uploaded before files were stored in pieces (ImportFileChunk)."
    )
    file_size = models.PositiveBigIntegerField(default=0, help_text="The uploaded file's size: ImportFileChunk rows.")
    encoding = models.CharField(max_length=20)
    delimiter = models.CharField(max_length=1)
    header = models.JSONField(default=list)
    mapping = models.JSONField(default=dict, help_text="Target field → column index.")
    formats = models.JSONField(
        default=dict, blank=True, help_text="Target → how the person said its column reads: point, comma, dmy or mdy."
    )
    skip_invalid = models.BooleanField(default=False, help_text="Import the valid rows and skip the others.")
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "-created_at"], name="importjob_org_created")]

    def __str__(self) -> str:
        return self.filename

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, round(100 * self.processed_rows / self.total_rows))


class ImportFileChunk(TenantModel):
    """A piece of an uploaded file, its bytes as they came: a file is stored and read a piece at a time, never held
    whole in a process's memory."""

    job = tenant_fk(ImportJob, on_delete=models.CASCADE)
    position = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "job", "position"], name="importfilechunk_position")
        ]


class ImportRow(TenantModel):
    """A record of the file as the last check read it, in the order the import writes them: the rows of an account
    together, accounts in the order of their first rows. The batches of the import read these; a row that cannot
    be imported says why, and the skipped rows can be downloaded."""

    job = tenant_fk(ImportJob, on_delete=models.CASCADE)
    position = models.PositiveIntegerField()
    number = models.PositiveIntegerField(help_text="The row's number as in a spreadsheet: the header is row 1.")
    first_row = models.PositiveIntegerField(help_text="The number of the account's first row.")
    last_position = models.PositiveIntegerField(help_text="The position of the account's last row.")
    line = models.TextField(help_text="The record's cells, as one comma-separated CSV line.")
    reason = models.TextField(blank=True, help_text="Why the row is not imported; empty when it is.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "job", "position"], name="importrow_position")]
        indexes = [
            models.Index(
                fields=["organization", "job", "number"], name="importrow_skipped", condition=~models.Q(reason="")
            )
        ]


class BulkAction(models.TextChoices):
    ASSIGN_OWNER = "assign_owner", "Assign owner"
    SET_STAGE = "set_stage", "Set stage"
    ADD_TAG = "add_tag", "Add tag"


class BulkChange(TenantModel):
    """One bulk action on the accounts list, kept so that its author can undo it: what it set (`applied`) and each
    changed account's value before (`previous`). Undoing restores only the accounts still as the action left them."""

    created_by = tenant_fk(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    action = models.CharField(max_length=20, choices=BulkAction.choices)
    applied = models.JSONField(default=dict, help_text="What the action set: the owner's, stage's or tag's id.")
    previous = models.JSONField(
        default=dict, help_text="Account id → its value before (owner id; [stage id, churn date, churn reason]; true)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "created_by", "-created_at"], name="bulkchange_org_author")]
