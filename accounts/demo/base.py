"""The pieces every story shares: the knobs, the organization's reference data, company names, note rendering, the
batch of rows being built and the ids reserved for them."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from accounts import markdown
from accounts.demo import words
from accounts.models import (
    Account,
    AccountTag,
    Contact,
    LifecycleStage,
    Milestone,
    Note,
    PlanTemplate,
    StageCategory,
    SuccessPlan,
    Tag,
    Task,
    Ticket,
    Tier,
)
from csm.models import ActivityLog, ActorKind, Organization, User

CHUNK = 1000  # accounts per batch: about 30,000 rows, so memory stays flat however large the run
ID_BLOCK = 5000  # ids reserved from a sequence at a time

# Models in the order a batch is written (parents first: foreign keys are checked per statement).
WRITE_ORDER: list[type[models.Model]] = [
    Account,
    AccountTag,
    Contact,
    Note,
    Task,
    SuccessPlan,
    Milestone,
    Ticket,
    ActivityLog,
]

TIER_LEVEL_WEIGHTS = (0.55, 0.30, 0.15)  # tech-touch, SMB, enterprise
STAGE_WEIGHTS = {
    StageCategory.TRIAL: 0.06,
    StageCategory.ONBOARDING: 0.12,
    StageCategory.ADOPTION: 0.28,
    StageCategory.MATURE: 0.30,
    StageCategory.RENEWAL: 0.12,
    StageCategory.CHURNED: 0.12,
}
NOTE_KIND_WEIGHTS = (  # per tier level: note, call, meeting
    {"note": 0.55, "call": 0.38, "meeting": 0.07},
    {"note": 0.40, "call": 0.35, "meeting": 0.25},
    {"note": 0.30, "call": 0.30, "meeting": 0.40},
)
NOTE_KIND_LABELS = {"note": "Note", "call": "Call", "meeting": "Meeting"}
NOTE_VERBS = {"note": "note.added", "call": "call.logged", "meeting": "meeting.logged"}

ActorTuple = tuple[str, int | None, str]  # kind, user id, label
Target = tuple[str, int, str]  # model key, id, repr


@dataclass(frozen=True)
class Owner:
    """A person who owns accounts, with their share of the book; `user=None` leaves that share unassigned."""

    user: User | None
    weight: float


# -- The organization's reference data ---------------------------------------------------------------------------


@dataclass
class Catalog:
    """What every story needs from the organization, loaded once inside its tenant context."""

    organization_id: int
    zone: ZoneInfo
    now: datetime
    today: date
    tiers_by_level: dict[int, list[int]]
    stages: dict[str, tuple[int, str]]  # category → (id, name)
    template: tuple[int, str] | None
    template_items: list[tuple[str, str, int, str]]  # objective, title, offset days, owner side
    tags: dict[str, int]
    content_types: dict[str, int]
    owners: list[tuple[ActorTuple | None, float]]
    fallback: ActorTuple
    reassigner: ActorTuple

    @classmethod
    def load(cls, organization: Organization, owners: Sequence[Owner], reassigner: User) -> Catalog:
        zone = ZoneInfo(organization.timezone)
        moment = timezone.now().replace(second=0, microsecond=0)
        tiers = list(Tier.objects.order_by("position", "pk").values_list("pk", flat=True))
        by_level: dict[int, list[int]] = {}
        for position, tier_id in enumerate(tiers):
            level = 0 if len(tiers) == 1 else round(2 * position / (len(tiers) - 1))
            by_level.setdefault(level, []).append(tier_id)
        stages: dict[str, tuple[int, str]] = {}
        for stage in LifecycleStage.objects.order_by("position", "pk"):
            stages.setdefault(stage.category, (stage.pk, stage.name))
        template = PlanTemplate.objects.filter(name__iexact="30/60/90-day onboarding").first()
        template = template or PlanTemplate.objects.order_by("pk").first()
        items = [(i.objective, i.title, i.offset_days, i.owner_side) for i in template.items.all()] if template else []
        people = [(person(owner.user) if owner.user else None, owner.weight) for owner in owners]
        named = [actor for actor, _ in people if actor is not None]
        if not named:
            raise ValueError("At least one owner must be a person.")
        return cls(
            organization_id=organization.pk,
            zone=zone,
            now=moment,
            today=timezone.localdate(moment, timezone=zone),
            tiers_by_level=by_level,
            stages=stages,
            template=(template.pk, template.name) if template and items else None,
            template_items=items,
            tags={tag.name: tag.pk for tag in Tag.objects.filter(name__in=words.TAGS)},
            content_types={
                model.__name__: ContentType.objects.get_for_model(model).pk
                for model in (Account, Contact, Note, Task, Ticket, SuccessPlan, Milestone)
            },
            owners=people,
            fallback=named[0],
            reassigner=person(reassigner),
        )

    def stage(self, category: str) -> tuple[int, str] | tuple[None, str]:
        if category in self.stages:
            return self.stages[category]
        return (None, "") if not self.stages else next(iter(self.stages.values()))


def person(user: User) -> ActorTuple:
    return (ActorKind.USER.value, user.pk, user.display_name[:200])


def integration(label: str) -> ActorTuple:
    return (ActorKind.INTEGRATION.value, None, label)


# -- Names ---------------------------------------------------------------------------------------------------------

NAME_SPACE = len(words.COMPANY_FIRST) * len(words.COMPANY_SECOND) * len(words.COMPANY_SUFFIXES)


def ascii_lower(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def company(index: int) -> tuple[str, str, str, str]:
    """The name, domain, industry and region of the company with this index (unique below NAME_SPACE)."""
    rest, suffix_at = divmod(index % NAME_SPACE, len(words.COMPANY_SUFFIXES))
    first_at, second_at = divmod(rest, len(words.COMPANY_SECOND))
    first = words.COMPANY_FIRST[first_at]
    second, industry = words.COMPANY_SECOND[second_at]
    suffix, tld, region = words.COMPANY_SUFFIXES[suffix_at]
    lap = index // NAME_SPACE
    name = f"{first} {second}{suffix}" + (f" {lap + 1}" if lap else "")
    stem = "".join(ch for ch in ascii_lower(f"{first}{second}") if ch.isalnum())
    if suffix.strip() in ("Group", "Labs"):
        stem += suffix.strip().lower()
    return name, f"{stem}{lap + 1 if lap else ''}.{tld}", industry, region


@lru_cache(maxsize=256)
def _rendered(template: str) -> str:
    return markdown.render(template)


def render_note(template: str, values: dict[str, str]) -> tuple[str, str]:
    """The note's Markdown and its sanitized HTML. The template is rendered once; the values (names, numbers, words
    without Markdown syntax) are put into the HTML escaped, which is what rendering the filled-in text gives."""
    body = template.format_map(values).strip()
    html = _rendered(template.strip()).format_map({key: escape(value, quote=False) for key, value in values.items()})
    return body, html


@dataclass
class Batch:
    """The rows of one batch of accounts, by model, as dicts keyed by attribute name."""

    rows: dict[type[models.Model], list[dict[str, Any]]] = field(
        default_factory=lambda: {model: [] for model in WRITE_ORDER}
    )
    tickets: list[tuple[dict[str, Any], list[dict[str, Any]]]] = field(default_factory=list)

    def number_tickets(self, first: int) -> int:
        """Number the batch's tickets in the order they were opened; returns the next free number."""
        self.tickets.sort(key=lambda pair: pair[0]["opened_at"])
        for number, (ticket, entries) in enumerate(self.tickets, start=first):
            ticket["number"] = number
            for entry in entries:
                entry["target_repr"] = f"#{number} {ticket['subject']}"[:200]
        return first + len(self.tickets)


class Ids:
    """Ids handed out from blocks reserved in the tables' sequences."""

    def __init__(self, reserve: Callable[[type[models.Model], int], list[int]]) -> None:
        self._reserve = reserve
        self._pools: dict[type[models.Model], list[int]] = {}

    def take(self, model: type[models.Model]) -> int:
        pool = self._pools.setdefault(model, [])
        if not pool:
            pool.extend(reversed(self._reserve(model, ID_BLOCK)))
        return pool.pop()
