"""Ten-day narratives 旬报告 (SPEC §7.3): each street federation and industry federation
writes what it did, what got in the way and what comes next, due the day after the
period ends; late and missing ones are listed, and a reminder goes out two days before.
"""

import logging
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from membership.models import IndustryFederation, Street
from reporting.models import Narrative, NarrativeReminder
from reporting.periods import TenDayPeriod, period_of

logger = logging.getLogger(__name__)



class Punctuality:
    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"
    NOT_DUE = "not_due"


@dataclass(frozen=True)
class NarrativeState:
    organisation: object  # a Street or an IndustryFederation
    name: str
    narrative: Narrative | None
    state: str  # a Punctuality


def _organisation_of(user):
    if user.role == Role.STREET and user.street_id:
        return {"street": user.street}
    if user.role == Role.INDUSTRY and user.industry_federation_id:
        return {"industry_federation": user.industry_federation}
    raise PermissionDenied


def period_from_end(end):
    """The ten-day period ending on `end`, or ValidationError if no period ends then."""
    period = period_of(end)
    if period.end != end:
        raise ValidationError(_("No ten-day period ends on %(day)s.") % {"day": end})
    return period


def narrative_submit(*, by, period: TenDayPeriod, work_done, problems, next_steps, now=None):
    """Submit (or, until its due day ends, revise) the narrative of `by`'s federation.

    A narrative can be written from the reminder day (the day before the period's last
    day); after the due day a first submission is accepted and marked late, and a
    submitted one is locked.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    organisation = _organisation_of(by)
    if today < period.reminder:
        raise ValidationError(_("The narrative of this period can be written from "
                                "%(day)s.") % {"day": period.reminder})
    values = {"work_done": work_done.strip(), "problems": problems.strip(),
              "next_steps": next_steps.strip()}
    errors = {name: _("This field is required.") for name, value in values.items()
              if not value}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        existing = (Narrative.objects.select_for_update(of=("self",)).order_by()
                    .filter(period_end=period.end, **organisation).first())
        if existing is not None:
            if today > existing.period.due:
                raise ValidationError(_("The narrative of this period was submitted and its "
                                        "due day has passed; it can no longer change."))
            for name, value in values.items():
                setattr(existing, name, value)
            existing.author = by
            existing.save()
            return existing
        try:
            with transaction.atomic():
                return Narrative.objects.create(
                    period_start=period.start, period_end=period.end, author=by,
                    submitted_at=now, **organisation, **values)
        except IntegrityError:  # submitted at the same moment from another tab
            raise ValidationError(_("This narrative was just submitted by a colleague; "
                                    "reload the page to see it.")) from None


def reporting_organisations():
    """Every federation that writes narratives: the 12 streets, then the industries."""
    return ([("street", s) for s in Street.objects.order_by("position", "pk")]
            + [("industry", f) for f in IndustryFederation.objects.order_by("pk")])


def punctuality_of(narrative, period, today):
    """On time, late, missing or not due yet: a federation's narrative (None: not written)
    for `period` as of `today`; templates/reporting/_punctuality.html shows it."""
    if narrative is not None:
        return Punctuality.ON_TIME if narrative.on_time else Punctuality.LATE
    return Punctuality.MISSING if today > period.due else Punctuality.NOT_DUE


def _name(kind, organisation):
    return organisation.federation_name if kind == "street" else organisation.name


def narrative_states(period, *, today=None):
    """Every federation's narrative for `period`: on time, late, missing or not yet due."""
    today = today or timezone.localdate()
    narratives = Narrative.objects.filter(period_end=period.end).select_related("author")
    by_street = {n.street_id: n for n in narratives if n.street_id}
    by_industry = {n.industry_federation_id: n for n in narratives if n.industry_federation_id}
    out = []
    for kind, organisation in reporting_organisations():
        narrative = (by_street if kind == "street" else by_industry).get(organisation.pk)
        out.append(NarrativeState(organisation, _name(kind, organisation), narrative,
                                  punctuality_of(narrative, period, today)))
    return out


def punctuality_by_street(periods, *, today=None):
    """{street_id: {state: count}} over `periods`, for the monthly bulletin."""
    today = today or timezone.localdate()
    out = {}
    ends = [p.end for p in periods]
    narratives = {(n.street_id, n.period_end): n for n in Narrative.objects.filter(
        period_end__in=ends, street__isnull=False)}
    for street in Street.objects.order_by("position", "pk"):
        counts = {Punctuality.ON_TIME: 0, Punctuality.LATE: 0, Punctuality.MISSING: 0,
                  Punctuality.NOT_DUE: 0}
        for period in periods:
            counts[punctuality_of(narratives.get((street.pk, period.end)), period,
                                  today)] += 1
        out[street.pk] = counts
    return out


def period_due_soon(today):
    """The period whose narrative is due within two days of `today` (from its reminder
    day through its due day), or None."""
    current = period_of(today)
    for period in (current, current.previous()):
        if period.reminder <= today <= period.due:
            return period
    return None


def narrative_reminders_send(today=None):
    """Remind the federations whose narrative is due in two days (or sooner, when this
    runs late) and not written yet; one reminder per period and federation, by e-mail to
    its staff with an address, and on their reports page."""
    today = today or timezone.localdate()
    period = period_due_soon(today)
    if period is None:
        return []
    states = narrative_states(period, today=today)
    sent = []
    for state in states:
        if state.narrative is not None:
            continue
        key = ({"street": state.organisation} if isinstance(state.organisation, Street)
               else {"industry_federation": state.organisation})
        try:
            with transaction.atomic():
                reminder = NarrativeReminder.objects.create(period_end=period.end, **key)
        except IntegrityError:
            continue  # already reminded
        recipients = list(User.objects.filter(is_active=True, **key).exclude(email="")
                          .values_list("email", flat=True))
        if recipients:
            subject = _("Ten-day report due on %(due)s") % {"due": period.due}
            body = _("The ten-day narrative of %(organisation)s for %(period)s is due on "
                     "%(due)s. Please submit it on the portal's reports page.") % {
                "organisation": state.name, "period": period, "due": period.due}
            send_mass_mail([(subject, body, None, [address]) for address in recipients],
                           fail_silently=True)
        reminder.recipients = len(recipients)
        reminder.save(update_fields=["recipients"])
        sent.append(reminder)
    logger.info("narrative reminders for %s: %s sent", period, len(sent))
    return sent


def open_reminder_for(user, today=None):
    """The reminder shown to `user` when their federation's narrative is still due."""
    today = today or timezone.localdate()
    try:
        organisation = _organisation_of(user)
    except PermissionDenied:
        return None
    period = period_due_soon(today)
    if period is None:
        return None
    if Narrative.objects.filter(period_end=period.end, **organisation).exists():
        return None
    return period


def periods_of_month(year, month):
    first = date(year, month, 1)
    period, out = period_of(first), []
    while period.start.month == month:
        out.append(period)
        period = period.next()
    return out
