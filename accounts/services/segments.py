"""Segments: saved, named account filters; personal or shared with the team."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import Segment
from csm.activity import record
from csm.models import Role, User
from csm.tenancy import current_organization

# Query-string keys a segment keeps: the filters, not the sort, the page or another segment.
SEGMENT_KEYS = ("q", "owner", "tier", "stage", "band", "renewal_days", "mrr_min", "mrr_max", "tag")


def save_segment(*, actor: User, name: str, query: dict[str, str], is_shared: bool = False) -> Segment:
    kept = {key: value for key, value in query.items() if key in SEGMENT_KEYS and value}
    if not name.strip():
        raise ValidationError({"name": "Name the segment."})
    if not kept:
        raise ValidationError("Filter the list first: a segment of every account is the list itself.")
    with transaction.atomic():
        segment = Segment.objects.create(
            organization=current_organization(), name=name.strip(), owner=actor, is_shared=is_shared, query=kept
        )
        record(organization=segment.organization, actor=actor, verb="segment.saved", target=segment, data=kept)
    return segment


def delete_segment(*, actor: User, segment: Segment, role: Role) -> None:
    if segment.owner_id != actor.pk and Role(role).rank < Role.MANAGER.rank:
        raise PermissionDenied("Only its owner or a manager can delete this segment.")
    with transaction.atomic():
        record(organization=segment.organization, actor=actor, verb="segment.deleted", data={"name": segment.name})
        segment.delete()
