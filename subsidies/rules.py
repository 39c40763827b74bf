"""One rule per programme, in the plan's words (plan §三.(一), SPEC §6.1).

A rule answers who is eligible and how much, from the member's dated facts; it writes
nothing. Services call the rules when they create an entitlement and again at approval.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from membership.models import Member
from subsidies.models import ProgrammeCode, SkillLevel

CENT = Decimal("0.01")
SKILL_FIRST_DATE = date(2019, 1, 1)  # "自2019年开始"


class NotEligible(Exception):
    """The rule refuses; the message is for the person who asked."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message, self.field = message, field


@dataclass(frozen=True)
class Split:
    amount: Decimal
    city: Decimal
    district: Decimal


def split(amount, city_share):
    """The city's and the district's parts of `amount`, to the cent, adding up exactly."""
    amount = Decimal(amount).quantize(CENT)
    city = (amount * Decimal(city_share)).quantize(CENT, rounding=ROUND_HALF_UP)
    return Split(amount=amount, city=city, district=amount - city)


# UNIVERSAL: "建立农民工会员普惠制度。每年可享受150元补贴 … 由市总工会负担60%、区总工会负担40%"
def universal_members(on):
    """Members eligible for the yearly benefit on `on`: active, with a rural (农业) hukou."""
    return Member.objects.active_on(on).filter(worker__is_migrant=True)


def universal_refusal(on):
    return _("The member is not an active migrant-worker member on %(date)s.") % {
        "date": on.isoformat()}


def universal_check(member, on):
    if not universal_members(on).filter(pk=member.pk).exists():
        raise NotEligible(universal_refusal(on))


# SKILL_*: "对当年取得高级工、技师、高级技师证书的外来务工会员给予一次性奖励。
# 取得高级工证书的，每人500元；取得技师、高级技师证书的，每人1000元"
SKILL_PROGRAMME_OF_LEVEL = {
    SkillLevel.SENIOR: ProgrammeCode.SKILL_SENIOR,
    SkillLevel.TECHNICIAN: ProgrammeCode.SKILL_TECH,
    SkillLevel.SENIOR_TECHNICIAN: ProgrammeCode.SKILL_TECH,
}


def skill_check(member, *, level, certificate_date, on):
    """An out-of-town member, active on `on`, with a certificate from 2019 on; the reward
    year is the certificate's year."""
    if level not in SKILL_PROGRAMME_OF_LEVEL:
        raise NotEligible(_("Choose the certificate level."), "certificate_level")
    if certificate_date < SKILL_FIRST_DATE:
        raise NotEligible(_("Only certificates obtained from 1 January 2019 are rewarded."),
                          "certificate_date")
    if certificate_date > on:
        raise NotEligible(_("The certificate date cannot be in the future."), "certificate_date")
    _check_active_out_of_town(member, on)
    return SKILL_PROGRAMME_OF_LEVEL[level], certificate_date.year


def active_membership(member, on):
    """The member's row if the membership is active on `on` (a queryset of its pk)."""
    return Member.objects.active_on(on).filter(pk=member.pk).order_by().values("pk")


def not_active():
    return NotEligible(_("The membership is not active."))


def _check_active_out_of_town(member, on):
    if not active_membership(member, on).exists():
        raise not_active()
    _check_out_of_town(member, _("This reward is for members whose hukou is outside "
                                 "Tianjin."))


def _check_out_of_town(member, refusal):
    """`refusal` in the programme's own words: a reward (奖励) or a subsidy (补助)."""
    if not member.worker.is_out_of_town:
        raise NotEligible(refusal)


# SPRING_RETURN: "为1万名春节回乡返津工作的外来务工会员，每年提供一次性返津交通补助，
# 最高补助标准300元 … 补贴名额申请满额为止，补贴费用发放至本人会员服务卡"
def spring_return_check(member, *, settings, trip_date, fare, on):
    """On the claim date: an active out-of-town membership that began before that year's
    Spring Festival, a bound card, a trip inside the year's window. Returns the amount:
    the fare, capped at the year's amount."""
    if not active_membership(member, on).exists():
        raise not_active()
    return spring_return_terms(member, settings=settings, trip_date=trip_date, fare=fare, on=on)


def spring_return_opened(settings):
    """Whether claims under the year's settings are open: a new year's settings are not
    until the office has set its dates."""
    return None not in (settings.spring_festival, settings.window_start, settings.window_end)


def spring_return_terms(member, *, settings, trip_date, fare, on):
    """spring_return_check without its first question, whether the membership is active on
    `on`: for a caller that asks it in the statement taking the seat (active_membership)."""
    if not spring_return_opened(settings):
        raise NotEligible(_("Claims for %(year)s are not open yet.") % {"year": settings.year})
    _check_out_of_town(member, _("This subsidy is for members whose hukou is outside "
                                 "Tianjin."))
    if member.joined_on >= settings.spring_festival:
        raise NotEligible(_("The membership must have begun before this year's Spring "
                            "Festival (%(date)s).") % {"date": settings.spring_festival})
    if not member.card_hmac:
        raise NotEligible(_("A member service card must be bound before the subsidy can be "
                            "paid; ask your union to bind it."))
    if not settings.window_start <= trip_date <= settings.window_end:
        raise NotEligible(_("The return trip must be between %(start)s and %(end)s.") % {
            "start": settings.window_start, "end": settings.window_end}, "trip_date")
    if trip_date > on:
        raise NotEligible(_("The return trip date cannot be in the future."), "trip_date")
    fare = Decimal(fare)
    if fare != fare.quantize(CENT):
        raise NotEligible(_("Enter the fare in yuan, with at most two decimals."), "fare")
    if fare <= 0:
        raise NotEligible(fare_not_positive_message(), "fare")
    return min(fare, settings.amount)


def fare_not_positive_message():
    """The refusal of a fare of 0 or less, the form's and the rule's alike."""
    return _("The fare must be more than 0 yuan.")

