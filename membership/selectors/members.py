"""Reads of members, always scoped by the user (SPEC §1, §4); personal data masked
(SPEC §8)."""

import re
from decimal import Decimal

from django.shortcuts import get_object_or_404

from membership.identifiers import normalise_text
from membership.models import MONTHLY_DUES_YUAN, DuesPayment, Member, Union, UnionSpan
from membership.pii import mask_card, mask_id
from membership.services.members import dues_arrears

_MEMBER_NUMBER = re.compile(r"HD\d{1,10}")


def member_list(*, user, search="", street=None, union=None, status="", no_card=False):
    """Members `user` may see. A search that looks like a member number (HD…) matches its
    start; anything else matches the worker's name. `no_card`: no member service card
    bound."""
    qs = Member.objects.for_user(user).select_related(
        "worker", "worker__street", "worker__community", "union")
    text = normalise_text(search).upper()
    if text:
        if _MEMBER_NUMBER.fullmatch(text):
            qs = qs.filter(member_number__startswith=text)
        else:
            qs = qs.filter(worker__name__icontains=normalise_text(search))
    if street:
        qs = qs.filter(worker__street=street)
    if union:
        qs = qs.filter(union=union)
    if status:
        qs = qs.filter(status=status)
    if no_card:
        qs = qs.filter(card_hmac__isnull=True)
    return qs


def with_member_display(members):
    """Masked ID and card on each member (SPEC §8); the worker is already joined."""
    for member in members:
        member.id_display = mask_id(member.worker.id_number)
        member.card_display = mask_card(member.card_number)
    return members


def member_get(*, user, pk, write=False):
    member = get_object_or_404(
        Member.objects.for_user(user, write=write).select_related(
            "worker", "worker__street", "worker__community", "worker__employer", "union"),
        pk=pk,
    )
    with_member_display([member])
    return member


def member_spans(member):
    return UnionSpan.objects.filter(member=member).select_related("union")


def member_dues(member):
    """Dues paid, newest month first, the months owed and what they come to."""
    owed = dues_arrears(member)
    return {
        "payments": DuesPayment.objects.filter(member=member).select_related(
            "recorded_by").order_by("-month"),
        "arrears": owed,
        "arrears_amount": Decimal(MONTHLY_DUES_YUAN) * len(owed),
    }


def member_transfer_unions(*, user, member):
    """The unions a member may move to: those in the user's scope, not the current one."""
    return Union.objects.for_user(user).exclude(pk=member.union_id).select_related("street")


def member_union_choices(*, user):
    return Union.objects.for_user(user).select_related("street")


def members_without_card(*, user, limit=5):
    """Active members in the user's scope with no member service card bound (SPEC §4: no
    payment without one): how many, how many approved online, and the latest of those
    approved online, for the street's home page."""
    from membership.models import MemberStatus, Source

    qs = Member.objects.for_user(user).filter(status=MemberStatus.ACTIVE,
                                              card_hmac__isnull=True)
    online = qs.filter(source=Source.APPLICATION)
    return {
        "count": qs.count(),
        "online_count": online.count(),
        "latest_online": list(online.select_related("worker", "union")
                              .order_by("-joined_on", "-pk")[:limit]),
    }


def registry_counts(*, user):
    """Units, workers and active members in the user's scope, for the home pages."""
    from django.db.models import Count, Q

    from membership.models import FoundingStatus, MemberStatus, Unit, Worker

    units = Unit.objects.for_user(user).aggregate(
        total=Count("pk"),
        founded=Count("pk", filter=Q(founding_status__in=[FoundingStatus.FOUNDED,
                                                          FoundingStatus.COVERED])))
    return {
        "units": units["total"],
        "units_founded": units["founded"],
        "workers": Worker.objects.for_user(user).count(),
        "members": Member.objects.for_user(user).filter(status=MemberStatus.ACTIVE).count(),
        "can_enroll": Member.objects.role_may_write(user),
    }
