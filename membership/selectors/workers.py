"""Reads of workers, always scoped by the user (SPEC §1, §4), with personal data masked
unless the caller asks for the full record (SPEC §8)."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from hedong_union.history import history_of
from membership.identifiers import clean_phone, clean_resident_id, normalise_text
from membership.models import DuesPayment, Member, MemberStatus, UnionSpan, Worker
from membership.pii import ERASED_REASON, mask_card, mask_id, mask_phone, pii_hmac
from membership.services.members import dues_arrears


def worker_search_q(search):
    """An exact phone or ID number is looked up by its keyed hash; anything else is a name."""
    text = normalise_text(search)
    if not text:
        return Q()
    try:
        return Q(phone_hmac=pii_hmac("phone", clean_phone(text)))
    except ValidationError:
        pass
    try:
        return Q(id_hmac=pii_hmac("id", clean_resident_id(text).number))
    except ValidationError:
        pass
    return Q(name__icontains=text)


def _active_membership():
    return Member.objects.filter(worker=OuterRef("pk"), status=MemberStatus.ACTIVE)


def worker_list(*, user, search="", street=None, community=None, occupation_group="",
                migrant=None, member=None, employer=None):
    """The workers `user` may see; `migrant` and `member` are True, False or None (any)."""
    qs = Worker.objects.for_user(user).select_related(
        "street", "community", "employer").annotate(is_member=Exists(_active_membership()))
    if search:
        qs = qs.filter(worker_search_q(search))
    if street:
        qs = qs.filter(street=street)
    if community:
        qs = qs.filter(community=community)
    if employer:
        qs = qs.filter(employer=employer)
    if occupation_group:
        qs = qs.filter(occupation_group=occupation_group)
    if migrant is not None:
        qs = qs.filter(is_migrant=migrant)
    if member is not None:
        qs = qs.filter(is_member=member)
    return qs


def worker_get(*, user, pk, write=False):
    return get_object_or_404(
        Worker.objects.for_user(user, write=write).select_related(
            "street", "community", "employer"
        ).annotate(is_member=Exists(_active_membership())),
        pk=pk,
    )


def with_pii_display(workers, *, full=False):
    """Set `id_display` and `phone_display` on each worker: masked on the server unless
    `full` (the caller has checked the permission and logged the view). Decrypting happens
    on load, so this costs no query."""
    for worker in workers:
        worker.id_display = worker.id_number if full else mask_id(worker.id_number)
        worker.phone_display = (worker.phone or "") if full else mask_phone(worker.phone)
    return workers


@dataclass(frozen=True)
class IdLookup:
    """What enrollment learns from an ID number: a new worker, one in the user's scope,
    or one registered elsewhere (of which nothing else is told)."""

    NEW = "new"
    IN_SCOPE = "in_scope"
    ELSEWHERE = "elsewhere"

    state: str
    worker: Worker | None = None


def worker_lookup(*, user, id_number):
    """Find a worker by the exact (clean) ID number, through its keyed hash."""
    digest = pii_hmac("id", id_number)
    worker = worker_list(user=user).filter(id_hmac=digest).first()
    if worker is not None:
        with_pii_display([worker])
        return IdLookup(IdLookup.IN_SCOPE, worker)
    if Worker.objects.filter(id_hmac=digest).exists():
        return IdLookup(IdLookup.ELSEWHERE)
    return IdLookup(IdLookup.NEW)


def worker_memberships(*, user, worker, full=False):
    """The worker's memberships the user may see, with their union spans and dues; each
    carries `card_display`."""
    members = list(
        Member.objects.for_user(user).filter(worker=worker).select_related(
            "union", "worker"
        ).prefetch_related(
            Prefetch("spans", queryset=UnionSpan.objects.select_related("union")),
            Prefetch("dues", queryset=DuesPayment.objects.order_by("-month")),
        ).order_by("-joined_on", "-pk")
    )
    for member in members:
        member.card_display = (member.card_number or "") if full else mask_card(
            member.card_number)
        member.arrears = dues_arrears(member)
    return members


def masked_history_of(obj, *, limit=50):
    """The change history of a worker or member: a personal field's change shows without
    its values, its keyed hash not at all (SPEC §8; hedong_union.history). The change that
    erased the person's data (privacy.services) says so."""
    entries = history_of(obj, limit=limit)
    for entry in entries:
        if entry["record"].history_change_reason == ERASED_REASON:
            entry["reason"] = _("personal data erased")
    return entries
