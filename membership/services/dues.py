"""Dues of a community's scattered members for one month, entered in one form
(SPEC §4, plan §三.(一)1: scattered workers pay a fixed 2 yuan a month)."""

import calendar
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from membership.models import (
    MONTHLY_DUES_YUAN,
    DuesPayment,
    EmploymentForm,
    Member,
    MemberStatus,
)


def month_start(day):
    return date(day.year, day.month, 1)


def dues_month_payers(*, user, community, month):
    """The members who owe dues for `month` in `community`, as `user` may change them:
    active scattered members of the community's unions who had joined by the month's end."""
    last_day = date(month.year, month.month, calendar.monthrange(month.year, month.month)[1])
    return Member.objects.for_user(user, write=True).filter(
        status=MemberStatus.ACTIVE, union__community=community,
        worker__employment_form=EmploymentForm.SCATTERED, joined_on__lte=last_day)


@transaction.atomic
def dues_record_month(*, by, community, month, members, paid_on):
    """Record `month`'s dues (2 yuan) for each of `members` who paid it, in one insert.

    A member who has paid that month already is left as recorded, so sending the same
    form twice changes nothing. Returns (recorded, already paid) counts.
    """
    month = month_start(month)
    today = timezone.localdate()
    if month > month_start(today):
        raise ValidationError({"month": _("Dues cannot be recorded for a future month.")})
    if paid_on > today:
        raise ValidationError({"paid_on": _("The payment date cannot be in the future.")})
    wanted = {m.pk for m in members}
    if not wanted:
        raise ValidationError({"members": _("Tick the members who paid.")})
    payers = dues_month_payers(user=by, community=community, month=month)
    # Lock the members: two clerks entering the same month wait for each other.
    locked = set(Member.objects.select_for_update().filter(
        pk__in=payers.filter(pk__in=wanted).values("pk")).values_list("pk", flat=True))
    if locked != wanted:
        raise ValidationError({"members": _(
            "%(count)d of the ticked members are not scattered members of this community "
            "who owe dues for that month; nothing was recorded.")
            % {"count": len(wanted - locked)}})
    already = set(DuesPayment.objects.filter(member_id__in=locked, month=month)
                  .values_list("member_id", flat=True))
    amount = Decimal(MONTHLY_DUES_YUAN)
    try:
        with transaction.atomic():
            DuesPayment.objects.bulk_create([
                DuesPayment(member_id=pk, month=month, amount=amount, paid_on=paid_on,
                            recorded_by=by)
                for pk in sorted(locked - already)
            ])
    except IntegrityError:  # the unique (member, month) constraint: paid meanwhile
        raise ValidationError({"members": _("Some of these payments were recorded "
                                            "meanwhile; reload the page.")}) from None
    return len(locked - already), len(already)
