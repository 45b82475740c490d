"""One account's story: who the customer is, who works there, and what happened over the past year, as rows."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from accounts import markdown
from accounts.demo import words
from accounts.demo.base import (
    NOTE_KIND_LABELS,
    NOTE_KIND_WEIGHTS,
    NOTE_VERBS,
    STAGE_WEIGHTS,
    TIER_LEVEL_WEIGHTS,
    ActorTuple,
    Batch,
    Catalog,
    Ids,
    Target,
    ascii_lower,
    company,
    integration,
    render_note,
)
from accounts.models import Account, AccountTag, Contact, Milestone, Note, StageCategory, SuccessPlan, Task, Ticket
from csm.models import ActivityLog


@dataclass
class Person:
    row: dict[str, Any]
    first: str
    added: date
    left: date | None = None

    def active_on(self, day: date) -> bool:
        return self.added <= day and (self.left is None or day < self.left)


class Story:
    """Builds one account and everything that happened to it, appending the rows to the batch."""

    def __init__(
        self,
        index: int,
        seed: int,
        name_index: int,
        contacts: tuple[int, int],
        catalog: Catalog,
        ids: Ids,
        batch: Batch,
    ) -> None:
        self.rng = random.Random(f"{seed}:{index}")  # noqa: S311 - demo data, not secrets
        self.index = index
        self.name_index = name_index
        self.contact_range = contacts
        self.c = catalog
        self.ids = ids
        self.batch = batch
        self.latest = datetime.min.replace(tzinfo=catalog.zone)

    # Time ----------------------------------------------------------------------------------------------------

    def when(self, day: date) -> datetime:
        """A moment in office hours of `day` (weekends move to a weekday), never in the future."""
        rng = self.rng
        if day.weekday() == 5:
            day -= timedelta(days=1)
        elif day.weekday() == 6:
            day += timedelta(days=1)
        moment = datetime(
            day.year,
            day.month,
            day.day,
            rng.randint(8, 17),
            rng.choice((0, 10, 15, 20, 30, 40, 45, 50)),
            tzinfo=self.c.zone,
        )
        if moment >= self.c.now:
            moment = self.c.now - timedelta(minutes=rng.randint(3, 90))
        return moment

    def day_between(self, first: date, last: date) -> date:
        if last <= first:
            return first
        return first + timedelta(days=self.rng.randint(0, (last - first).days))

    # The activity log --------------------------------------------------------------------------------------------

    def log(
        self,
        moment: datetime,
        verb: str,
        actor: ActorTuple,
        target: Target | None = None,
        *,
        changes: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        kind, user_id, label = actor
        entry = {
            "organization_id": self.c.organization_id,
            "created_at": moment,
            "actor_kind": kind,
            "actor_user_id": user_id,
            "actor_label": label,
            "verb": verb,
            "target_type_id": self.c.content_types[target[0]] if target else None,
            "target_id": target[1] if target else None,
            "target_repr": target[2][:200] if target else "",
            "about_type_id": self.c.content_types["Account"],
            "about_id": self.account_id,
            "changes": changes or {},
            "data": data or {},
        }
        self.batch.rows[ActivityLog].append(entry)
        self.latest = max(self.latest, moment)
        return entry

    def owner_at(self, day: date) -> ActorTuple:
        if self.reassigned_on is not None and day < self.reassigned_on:
            return self.previous_owner or self.c.fallback
        return self.owner or self.c.fallback

    # The story -----------------------------------------------------------------------------------------------------

    def build(self) -> None:
        rng, c = self.rng, self.c
        self.account_id = self.ids.take(Account)
        self.name, self.domain, self.industry, self.region = company(self.name_index)
        self.tld = self.domain.split(".", 1)[1]
        self.level = rng.choices((0, 1, 2), TIER_LEVEL_WEIGHTS)[0]
        self.strategic = self.level == 2 and rng.random() < 0.1
        self.category = rng.choices(list(STAGE_WEIGHTS), list(STAGE_WEIGHTS.values()))[0]
        owners = [actor for actor, _ in c.owners]
        self.owner: ActorTuple | None = rng.choices(owners, [weight for _, weight in c.owners])[0]
        self.seats = rng.randint(*((3, 15), (15, 60), (60, 400))[self.level])
        self._dates()
        self._reassignment()
        self.window_start = max(self.created.date(), c.today - timedelta(days=365))
        self.window_end = min(c.today, self.churn_date + timedelta(days=5)) if self.churn_date else c.today
        self._people()
        self.risk = rng.random() < (0.10 + (0.35 if self.champion_gone else 0) + (0.10 if not self.champion else 0))
        self._stage_changes()
        self._notes()
        self.open_tickets = 0
        self.overdue_tasks = 0
        self._tasks()
        self._tickets()
        self._plan()
        self._account_row()

    def _dates(self) -> None:
        rng, today = self.rng, self.c.today
        category = self.category
        self.churn_date: date | None = None
        self.churn_reason = ""
        self.start: date | None
        self.renewal: date | None = None
        if category == StageCategory.TRIAL:
            self.start = None
            self.created = self.when(today - timedelta(days=rng.randint(0, 13)))
            self.had_trial = True
            return
        if category == StageCategory.ONBOARDING:
            start = today - timedelta(days=rng.randint(3, 70))
        elif category == StageCategory.ADOPTION:
            start = today - timedelta(days=rng.randint(50, 330))
        elif category == StageCategory.MATURE:
            start = today - timedelta(days=rng.randint(200, 1500))
        elif category == StageCategory.RENEWAL:
            self.renewal = today + timedelta(days=rng.randint(0, 75))
            start = self.renewal - timedelta(days=365 * rng.randint(1, 3))
        else:
            self.churn_date = today - timedelta(days=rng.randint(3, 360))
            start = self.churn_date - timedelta(days=rng.randint(120, 1100))
        self.start = start
        if self.renewal is None and self.churn_date is None:
            years = max(1, (today - start).days // 365 + 1)
            self.renewal = _add_years(start, years)
            if self.renewal <= today:
                self.renewal = _add_years(start, years + 1)
        self.had_trial = self.level < 2 and rng.random() < 0.6
        self.created = self.when(start - timedelta(days=14 if self.had_trial else rng.randint(0, 10)))

    def _reassignment(self) -> None:
        """Some accounts changed hands during the year: earlier work was done by the previous owner."""
        self.reassigned_on: date | None = None
        self.previous_owner: ActorTuple | None = None
        named = [actor for actor, _ in self.c.owners if actor is not None and actor != self.owner]
        first = max(self.created.date(), self.c.today - timedelta(days=330)) + timedelta(days=30)
        if self.owner is not None and named and first < self.c.today and self.rng.random() < 0.08:
            self.reassigned_on = self.day_between(first, self.c.today - timedelta(days=5))
            self.previous_owner = self.rng.choice(named)

    def _people(self) -> None:
        rng = self.rng
        count = rng.randint(*self.contact_range)
        self.champion_gone = False
        has_champion = rng.random() > 0.12
        roles = ["executive_sponsor"] + (["champion"] if has_champion else [])
        if count >= 5 and self.level >= 1:
            roles.append("decision_maker")
        if count >= 4:
            roles.append("billing")
        roles += ["user"] * (count - len(roles))
        names: set[tuple[str, str]] = set()
        self.people: list[Person] = []
        self.sponsor: Person | None = None
        self.champion: Person | None = None
        first_day = self.created.date()
        for role in roles[:count]:
            while True:
                first, last = rng.choice(words.FIRST_NAMES), rng.choice(words.LAST_NAMES)
                if (first, last) not in names:
                    names.add((first, last))
                    break
            added = min(first_day + timedelta(days=rng.randint(0, 20)), self.window_end)
            if role == "user" and rng.random() < 0.4:
                added = self.day_between(added, self.window_end)
            if role == "executive_sponsor":
                reports_to = None
            elif role in ("champion", "decision_maker"):
                reports_to = self.sponsor
            elif role == "billing":
                reports_to = self.sponsor if rng.random() < 0.5 else None
            else:
                reports_to = self.champion or self.sponsor
            local = ".".join(ascii_lower(part).replace(" ", "").replace("'", "") for part in (first, last))
            moment = self.when(added)
            row = {
                "id": self.ids.take(Contact),
                "organization_id": self.c.organization_id,
                "account_id": self.account_id,
                "name": f"{first} {last}",
                "email": f"{local}@{self.domain}",
                "phone": self._phone(),
                "title": rng.choice(words.TITLES[role]),
                "role": role,
                "reports_to_id": reports_to.row["id"] if reports_to else None,
                "is_primary": False,
                "status": "active",
                "left_on": None,
                "last_contacted_at": None,
                "created_at": moment,
                "updated_at": moment,
            }
            person = Person(row=row, first=first, added=added)
            self.people.append(person)
            if role == "executive_sponsor":
                self.sponsor = person
            elif role == "champion":
                self.champion = person
        assert self.sponsor is not None
        primary = self.champion or self.sponsor
        primary.row["is_primary"] = True
        for person in self.people:
            self.batch.rows[Contact].append(person.row)
            self.log(
                person.row["created_at"],
                "contact.added",
                self.owner_at(person.added),
                ("Contact", person.row["id"], person.row["name"]),
                data={"role": _role_label(person.row["role"]), "email": person.row["email"]},
            )
        champion = self.champion
        earliest = max(champion.added + timedelta(days=30), self.window_start) if champion else None
        if champion and earliest and earliest < self.window_end - timedelta(days=3) and rng.random() < 0.10:
            left = self.day_between(earliest, self.window_end - timedelta(days=3))
            champion.left = left
            champion.row.update(status="left", left_on=left, is_primary=False, updated_at=self.when(left))
            self.sponsor.row["is_primary"] = True
            self.champion_gone = True
            self.log(
                champion.row["updated_at"],
                "contact.left",
                self.owner_at(left),
                ("Contact", champion.row["id"], champion.row["name"]),
                changes={"status": ["active", "left"], "left_on": [None, left]},
            )

    def _phone(self) -> str:
        if self.rng.random() < 0.35:
            return ""
        digits = {key: str(self.rng.randint(0, 9)) for key in "abcdefghij"}
        digits["a"] = str(self.rng.randint(2, 9))
        return words.PHONE_FORMATS[self.tld].format_map(digits)

    def _stage_changes(self) -> None:
        """The dated path through the lifecycle stages; the changes of the past year are on the timeline."""
        rng, c, start = self.rng, self.c, self.start
        steps: list[tuple[date, str, str]] = []
        if start is not None:
            end = self.churn_date or c.today
            if self.had_trial:
                steps.append((start, StageCategory.TRIAL, StageCategory.ONBOARDING))
            adopted = min(start + timedelta(days=rng.randint(35, 80)), end - timedelta(days=rng.randint(1, 10)))
            matured = min(start + timedelta(days=rng.randint(180, 330)), end - timedelta(days=rng.randint(1, 20)))
            current = StageCategory.ONBOARDING
            if self.category != StageCategory.ONBOARDING and adopted > start:
                steps.append((adopted, current, StageCategory.ADOPTION))
                current = StageCategory.ADOPTION
                if self.category != StageCategory.ADOPTION and matured > adopted:
                    steps.append((matured, current, StageCategory.MATURE))
                    current = StageCategory.MATURE
                    anniversary = _add_years(start, 1)
                    while anniversary + timedelta(days=7) < end:
                        steps.append(
                            (anniversary - timedelta(days=rng.randint(30, 60)), current, StageCategory.RENEWAL)
                        )
                        steps.append((anniversary + timedelta(days=rng.randint(0, 7)), StageCategory.RENEWAL, current))
                        anniversary = _add_years(anniversary, 1)
            if self.category == StageCategory.RENEWAL and self.renewal is not None:
                entered = max(self.renewal - timedelta(days=rng.randint(60, 90)), steps[-1][0] if steps else start)
                steps.append((min(entered, c.today), current, StageCategory.RENEWAL))
            elif self.category == StageCategory.CHURNED and self.churn_date is not None:
                self.churn_reason = rng.choice(words.CHURN_REASONS).format(competitor=rng.choice(words.COMPETITORS))
                if self.champion_gone and rng.random() < 0.5:
                    self.churn_reason = "The champion left and nobody picked up the rollout."
                steps.append((self.churn_date, current, StageCategory.CHURNED))
        self.log(self.created, "account.created", self._creator(), ("Account", self.account_id, self.name))
        for day, old, new in steps:
            if day < self.window_start or day > c.today:
                continue
            changes: dict[str, list[Any]] = {"stage": [c.stage(old)[1], c.stage(new)[1]]}
            if new == StageCategory.CHURNED:
                changes["churn_reason"] = ["", self.churn_reason]
                changes["churn_date"] = [None, self.churn_date]
            self.log(
                self.when(day),
                "account.stage_changed",
                self.owner_at(day),
                ("Account", self.account_id, self.name),
                changes=changes,
            )
        if self.reassigned_on is not None and self.previous_owner is not None and self.owner is not None:
            self.log(
                self.when(self.reassigned_on),
                "account.owner_changed",
                c.reassigner,
                ("Account", self.account_id, self.name),
                changes={"owner": [self.previous_owner[2], self.owner[2]]},
            )

    def _creator(self) -> ActorTuple:
        if self.level == 0:
            return integration("Website sign-up")
        return self.owner_at(self.created.date())

    def _phase(self, day: date) -> str:
        if self.churn_date is not None and day >= self.churn_date - timedelta(days=60):
            return "churn" if day >= self.churn_date - timedelta(days=10) else "risk"
        if self.start is None or day <= self.start + timedelta(days=90):
            return "onboarding"
        if self.renewal is not None and 0 <= (self.renewal - day).days <= 75:
            return "renewal"
        years = (day - self.start).days // 365
        just_renewed = years >= 1 and (day - _add_years(self.start, years)).days <= 10
        if just_renewed or (_add_years(self.start, years + 1) - day).days <= 60:
            return "renewal"
        if self.risk and day >= self.c.today - timedelta(days=120) and self.rng.random() < 0.6:
            return "risk"
        if not self.risk and self.level >= 1 and self.rng.random() < 0.15:
            return "expansion"
        return "adoption"

    def _values(self, day: date, person: Person) -> dict[str, str]:
        rng = self.rng
        feature, feature_b = rng.sample(words.FEATURES, 2)
        sponsor = self.sponsor or person
        users = max(1, int(self.seats * rng.uniform(0.45, 0.95)))
        owner_label = self.owner_at(day)[2]
        return {
            "account": self.name,
            "contact": person.row["name"],
            "contact_first": person.first,
            "contact_title": person.row["title"],
            "sponsor": sponsor.row["name"],
            "sponsor_first": sponsor.first,
            "owner_first": owner_label.split(" ")[0],
            "feature": feature,
            "feature_b": feature_b,
            "competitor": rng.choice(words.COMPETITORS),
            "team": rng.choice(words.TEAMS),
            "seats": str(self.seats),
            "users": str(users),
            "users_before": str(max(1, round(users * rng.uniform(0.6, 0.95)))),
            "seat_share": str(round(100 * users / self.seats)),
            "trainees": str(rng.randint(3, 14)),
            "more_seats": str(max(2, round(self.seats * rng.uniform(0.1, 0.5)))),
            "pct": str(rng.randint(12, 85)),
            "weeks": str(rng.randint(2, 8)),
            "tickets": str(rng.randint(2, 6)),
            "month": day.strftime("%B"),
            "quarter": f"Q{(day.month - 1) // 3 + 1}",
            "weekday": rng.choice(("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")),
        }

    def _speaker(self, day: date) -> Person:
        """Who the CSM talked to: the champion more often than not, the sponsor only when nobody else is there
        (notes that name the sponsor name them separately)."""
        active = [p for p in self.people if p.active_on(day)] or [self.sponsor or self.people[0]]
        others = [p for p in active if p is not self.sponsor] or active
        if self.champion in others and self.rng.random() < 0.6:
            return self.champion
        return self.rng.choice(others)

    def _notes(self) -> None:
        rng = self.rng
        days = (self.window_end - self.window_start).days + 1
        base = (1.6, 4.0, 7.5)[self.level] * (4 if self.strategic else 1)
        count = max(1, round(base * max(0.3, days / 365) * rng.uniform(0.6, 1.4)))
        if self.start is not None and self.start >= self.window_start:
            count += rng.randint(1, 3)  # onboarding is the busiest time
        moments = sorted(self.day_between(self.window_start, self.window_end) for _ in range(count))
        if self.champion_gone and self.champion and self.champion.left:
            moments.append(min(self.champion.left + timedelta(days=rng.randint(0, 7)), self.window_end))
        contacted: dict[int, datetime] = {}
        used: set[str] = set()
        weights = NOTE_KIND_WEIGHTS[self.level]
        for position, day in enumerate(moments):
            champion_note = self.champion_gone and position == len(moments) - 1
            phase = "champion_left" if champion_note else self._phase(day)
            # A kick-off or a renewal meeting happens once: when a phase's notes are used up, the CSM is back to
            # the recurring check-ins, reviews and feedback of the adoption phase.
            candidates = [t for t in words.NOTES if t[1] == phase and t[2] not in used]
            candidates = candidates or [t for t in words.NOTES if t[1] == "adoption"]
            kind, _phase, template = rng.choices(candidates, [weights[t[0]] for t in candidates])[0]
            used.add(template)
            person = self.champion if champion_note and self.champion else self._speaker(day)
            body, html = render_note(template, self._values(day, person))
            # A note that names only the sponsor was a conversation with the sponsor.
            talked_to = person if "{contact" in template or self.sponsor is None else self.sponsor
            occurred = self.when(day)
            duration = rng.choice((15, 20, 30, 30, 45)) if kind == "call" else rng.choice((30, 45, 60, 60, 90))
            duration_minutes = duration if kind != "note" else None
            created = min(
                occurred + timedelta(minutes=(duration_minutes or 0) + rng.randint(5, 120)),
                self.c.now - timedelta(minutes=1),
            )
            created = max(created, occurred)
            note_id = self.ids.take(Note)
            with_contact = kind != "note"
            self.batch.rows[Note].append(
                {
                    "id": note_id,
                    "organization_id": self.c.organization_id,
                    "account_id": self.account_id,
                    "kind": kind,
                    "author_id": self.owner_at(day)[1],
                    "contact_id": talked_to.row["id"] if with_contact else None,
                    "body": body,
                    "body_html": html,
                    "occurred_at": occurred,
                    "duration_minutes": duration_minutes,
                    "created_at": created,
                }
            )
            if with_contact:
                key = talked_to.row["id"]
                contacted[key] = max(occurred, contacted.get(key, occurred))
            self.log(
                created,
                NOTE_VERBS[kind],
                self.owner_at(day),
                # As Note.__str__ names a note (the activity log's target name).
                ("Note", note_id, f"{NOTE_KIND_LABELS[kind]}: {markdown.summary(body)}"),
            )
        for person in self.people:
            person.row["last_contacted_at"] = contacted.get(person.row["id"])

    def _tasks(self) -> None:
        rng, c = self.rng, self.c
        today = c.today
        count = rng.randint(*((0, 2), (1, 3), (2, 6))[self.level]) * (2 if self.strategic else 1)
        if self.champion_gone:
            count += 1
        for position in range(count):
            if self.churn_date is not None:
                status = "done"
            else:
                status = rng.choices(("done", "overdue", "today", "upcoming", "snoozed"), (48, 16, 8, 23, 5))[0]
            if status == "done":
                due = self.day_between(self.window_start, min(self.window_end, today - timedelta(days=1)))
                created_day = max(self.window_start, due - timedelta(days=rng.randint(2, 14)))
            elif status == "overdue":
                due = today - timedelta(days=rng.randint(1, 21))
                created_day = due - timedelta(days=rng.randint(3, 14))
            elif status == "today":
                due = today
                created_day = today - timedelta(days=rng.randint(1, 10))
            elif status == "upcoming":
                due = today + timedelta(days=rng.randint(1, 30))
                created_day = today - timedelta(days=rng.randint(0, 14))
            else:
                due = today - timedelta(days=rng.randint(0, 5))
                created_day = due - timedelta(days=rng.randint(3, 10))
            created_day = max(created_day, self.created.date())
            phase = "champion_left" if self.champion_gone and position == count - 1 else self._phase(due)
            titles = [t for _p, t in words.TASKS if _p == phase] or [t for _p, t in words.TASKS if _p == "adoption"]
            person = self.champion if phase == "champion_left" and self.champion else self._speaker(due)
            title = rng.choice(titles).format_map(self._values(due, person))
            worker = self.owner_at(created_day if status == "done" else today)
            created = self.when(created_day)
            task_id = self.ids.take(Task)
            row = {
                "id": task_id,
                "organization_id": c.organization_id,
                "account_id": self.account_id,
                "title": title,
                "description": "",
                "assignee_id": worker[1],
                "due_date": due,
                "priority": rng.choices(("low", "normal", "high", "urgent"), (10, 62, 25, 3))[0]
                if not self.risk
                else rng.choice(("normal", "high", "high", "urgent")),
                "status": "open",
                "snoozed_until": None,
                "source": "manual",
                "created_by_id": worker[1],
                "created_at": created,
                "completed_at": None,
                "completed_by_id": None,
            }
            self.batch.rows[Task].append(row)
            target: Target = ("Task", task_id, title)
            self.log(created, "task.created", worker, target, data={"due": due, "assignee": worker[2]})
            if status == "done":
                done_day = min(max(due + timedelta(days=rng.randint(-3, 2)), created_day), today)
                done = max(self.when(done_day), created)
                row.update(status="done", completed_at=done, completed_by_id=worker[1])
                self.log(done, "task.completed", worker, target)
            elif status == "snoozed":
                until = today + timedelta(days=rng.randint(2, 14))
                row.update(status="snoozed", snoozed_until=until, due_date=until)
                snoozed = max(self.when(max(due, created_day)), created)
                self.log(snoozed, "task.snoozed", worker, target, changes={"due_date": [due, until]})
            elif status == "overdue":
                self.overdue_tasks += 1

    def _tickets(self) -> None:
        rng, c = self.rng, self.c
        count = rng.choice(((0, 0, 1, 1, 1), (0, 1, 1, 2, 2), (1, 2, 3, 4, 5))[self.level])
        count = count * (2 if self.strategic else 1) + (2 if self.risk else 0)
        for _ in range(count):
            day = self.day_between(self.window_start, self.window_end)
            opened = self.when(day)
            age = (c.today - day).days
            if self.churn_date is not None:
                status = "closed"
            elif age <= 2:
                status = rng.choice(("new", "open", "pending"))
            elif age <= 14:
                status = rng.choices(("open", "pending", "solved"), (25, 15, 60))[0]
            else:
                status = rng.choices(("solved", "closed", "open"), (55, 42, 3))[0]
            channel = rng.choices(("email", "manual", "api"), (60, 25, 15))[0]
            worker = self.owner_at(day)
            first_response = None
            if status != "new":
                first_response = opened + timedelta(minutes=rng.randint(15, 480))
                if first_response >= c.now:
                    first_response, status = None, "new"
            resolved = None
            if status in ("solved", "closed"):
                hours = min(240.0, max(0.5, rng.lognormvariate(2.9, 1.0)))
                resolved = max(opened + timedelta(hours=hours), first_response or opened)
                if resolved >= c.now:
                    resolved, status = None, "open"
            subject, body = rng.choice(words.TICKETS)
            person = self._speaker(day)
            ticket_id = self.ids.take(Ticket)
            row = {
                "id": ticket_id,
                "organization_id": c.organization_id,
                "number": 0,
                "subject": subject,
                "body": body,
                "account_id": self.account_id,
                "contact_id": person.row["id"],
                "status": status,
                "priority": rng.choices(("low", "normal", "high", "urgent"), (15, 60, 20, 5))[0],
                "channel": channel,
                "assignee_id": worker[1],
                "opened_at": opened,
                "first_response_at": first_response,
                "resolved_at": resolved,
                "updated_at": resolved or first_response or opened,
            }
            self.batch.rows[Ticket].append(row)
            target: Target = ("Ticket", ticket_id, subject)
            opener = integration("Email") if channel == "email" else integration("API") if channel == "api" else worker
            entries = [self.log(opened, "ticket.opened", opener, target)]
            if first_response is not None:
                answered = "pending" if status == "pending" else "open"
                entries.append(
                    self.log(first_response, "ticket.updated", worker, target, changes={"status": ["new", answered]})
                )
            if resolved is not None:
                entries.append(
                    self.log(resolved, "ticket.resolved", worker, target, changes={"status": ["open", status]})
                )
            else:
                self.open_tickets += 1
            self.batch.tickets.append((row, entries))

    def _plan(self) -> None:
        rng, c, start = self.rng, self.c, self.start
        if c.template is None or start is None or start < c.today - timedelta(days=330):
            return
        if rng.random() > (0.6, 0.9, 0.95)[self.level]:
            return
        template_id, template_name = c.template
        worker = self.owner_at(start)
        plan_id = self.ids.take(SuccessPlan)
        started = max(self.when(start), self.created)
        end = self.churn_date or c.today
        plan = {
            "id": plan_id,
            "organization_id": c.organization_id,
            "account_id": self.account_id,
            "name": template_name,
            "template_id": template_id,
            "status": "active",
            "starts_on": start,
            "created_by_id": worker[1],
            "created_at": started,
        }
        self.batch.rows[SuccessPlan].append(plan)
        self.log(
            started,
            "plan.started",
            worker,
            ("SuccessPlan", plan_id, template_name),
            data={"milestones": len(c.template_items), "starts_on": start},
        )
        done_share = 0.55 if self.risk else 0.88
        finished: list[datetime] = []
        for position, (objective, title, offset, side) in enumerate(c.template_items):
            due = start + timedelta(days=offset)
            milestone_id = self.ids.take(Milestone)
            row = {
                "id": milestone_id,
                "organization_id": c.organization_id,
                "plan_id": plan_id,
                "account_id": self.account_id,
                "objective": objective,
                "title": title,
                "due_date": due,
                "owner_side": side,
                "status": "open",
                "completed_at": None,
                "position": position,
            }
            slack = timedelta(days=rng.randint(-6, 4))
            if due + slack < end and rng.random() < done_share:
                done = max(self.when(min(max(due + slack, start), end)), started)
                row.update(status="done", completed_at=done)
                finished.append(done)
                self.log(done, "milestone.completed", self.owner_at(done.date()), ("Milestone", milestone_id, title))
            self.batch.rows[Milestone].append(row)
        if len(finished) == len(c.template_items):
            plan["status"] = "completed"
            self.log(max(finished), "plan.completed", worker, ("SuccessPlan", plan_id, template_name))
        elif self.churn_date is not None:
            plan["status"] = "abandoned"

    def _account_row(self) -> None:
        rng, c = self.rng, self.c
        churned = self.churn_date is not None
        trial = self.start is None
        if churned:
            score: int | None = None
            band = ""
        else:
            base = {"trial": 62, "onboarding": 70, "adoption": 72, "mature": 80, "renewal": 70}[self.category]
            value = base + rng.gauss(0, 10) - (30 if self.risk else 0) - (15 if self.champion_gone else 0)
            value -= (0 if self.champion else 8) + 4 * self.open_tickets + 3 * self.overdue_tasks
            score = max(3, min(99, round(value)))
            band = "healthy" if score >= 70 else "neutral" if score >= 45 else "at_risk"
        tags: list[str] = []
        if rng.random() < 0.08:
            tags.append("beta")
        if band == "healthy" and self.level >= 1 and rng.random() < 0.35:
            tags.append("upsell-candidate")
        if band == "at_risk" and rng.random() < 0.7:
            tags.append("at-risk")
        if band == "healthy" and self.category == StageCategory.MATURE and rng.random() < 0.3:
            tags.append("reference")
        if self.level == 2 and (self.strategic or rng.random() < 0.3):
            tags.append("strategic")
        tags = [tag for tag in tags if tag in c.tags]
        if tags:
            for tag in tags:
                self.batch.rows[AccountTag].append(
                    {"organization_id": c.organization_id, "account_id": self.account_id, "tag_id": c.tags[tag]}
                )
            day = self.day_between(self.window_start, self.window_end)
            self.log(
                self.when(day),
                "account.tags_changed",
                self.owner_at(day),
                ("Account", self.account_id, self.name),
                changes={"tags": [[], sorted(tags)]},
            )
        plan, low, high = rng.choice(words.PLANS[self.level])
        # A churned account keeps the MRR it paid before it left, as churning in the app leaves it (the 360 shows it
        # as "MRR at churn"); every figure of the book leaves churned accounts out.
        if trial:
            mrr = Decimal(0)
        elif self.level == 0:
            mrr = Decimal(rng.choice([price for price in words.SELF_SERVE_PRICES if low <= price <= high]))
        else:
            mrr = Decimal(round(rng.uniform(low, high) / 50) * 50)
        tier_ids = c.tiers_by_level.get(self.level) or next(iter(c.tiers_by_level.values()), [None])
        self.batch.rows[Account].append(
            {
                "id": self.account_id,
                "organization_id": c.organization_id,
                "name": self.name,
                "domains": self.domain,
                "external_id": f"CUS-{10000 + self.index}",
                "owner_id": self.owner[1] if self.owner else None,
                "tier_id": rng.choice(tier_ids),
                "stage_id": c.stage(self.category)[0],
                "plan": "Trial" if trial else plan,
                "start_date": self.start,
                "renewal_date": self.renewal,
                "churn_date": self.churn_date,
                "churn_reason": self.churn_reason if churned else "",
                "mrr": mrr.quantize(Decimal("0.01")),
                "health_score": score,
                "health_band": band,
                "custom_fields": {"industry": self.industry, "region": self.region},
                "created_at": self.created,
                "updated_at": max(self.latest, self.created),
            }
        )


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _role_label(role: str) -> str:
    return {"executive_sponsor": "Executive sponsor", "decision_maker": "Decision maker"}.get(role, role.title())
