"""The monthly bulletin 月通报 (SPEC §7.3): the 12 streets ranked on both rates with the
change since last month, the punctuality of their ten-day narratives, and who is off
track. Drafted on the 1st for the month before; published by the office or the
leadership; once published it never changes, and a correction is a new version that
says what changed.
"""

import calendar
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from reporting.models import Bulletin
from reporting.narratives import periods_of_month, punctuality_by_street
from reporting.progress import baseline_rates, campaign_get, progress_of
from reporting.rates import rank
from reporting.snapshots import figures_on

PUBLISHERS = frozenset({Role.ADMIN, Role.LEADER})


def month_end(year, month):
    return date(year, month, calendar.monthrange(year, month)[1])


def previous_month(year, month):
    return (year - 1, 12) if month == 1 else (year, month - 1)


def _ranks(scopes, rate_of):
    """{key: rank}: competition ranking (1, 2, 2, 4) on the exact rate; an empty scope has
    no rank."""
    ranks = rank(scopes, lambda s: (rate_of(s).fraction or 0,),
                 ranked=lambda s: rate_of(s).den > 0)
    return {scope.key: position for scope, position in ranks if position is not None}


def _change(now, before):
    """The change in percentage points between two displayed rates, e.g. '+1.25'."""
    if now is None or before is None or now.pct is None or before.pct is None:
        return None
    delta = Decimal(now.pct) - Decimal(before.pct)
    return f"{delta:+.2f}"


def bulletin_content(year, month, *, recompute=False, today=None):
    """What the bulletin of `year`-`month` shows, as stored JSON.

    The figures come from the ten-day snapshot of the month's last day (and of the month
    before, for the change); with `recompute`, from the registry as it stands now, as of
    the same days (for a correction).
    """
    today = today or timezone.localdate()
    as_of = month_end(year, month)
    if as_of >= today:
        raise ValidationError(_("The bulletin of a month is made after the month has "
                                "ended."))
    before_day = month_end(*previous_month(year, month))
    streets = figures_on(as_of, kinds=("street",), recompute=recompute)
    before = {s.key: s for s in figures_on(before_day, kinds=("street",), recompute=recompute)}
    campaign = campaign_get(year)
    plan, baseline = campaign.plan(), baseline_rates(campaign, kinds=("street",))
    migrant_ranks = _ranks(streets, lambda s: s.migrant)
    founding_ranks = _ranks(streets, lambda s: s.founding)
    punctuality = punctuality_by_street(periods_of_month(year, month), today=today)
    milestone = plan.next_milestone(as_of)
    rows = []
    for scope in streets:
        progress = progress_of(scope, plan=plan, baseline=baseline, day=as_of)
        previous = before.get(scope.key)
        rows.append({
            "street_id": int(scope.key), "name": scope.name,
            "migrant": scope.migrant.as_stored(),
            "migrant_change": _change(scope.migrant, previous and previous.migrant),
            "migrant_rank": migrant_ranks.get(scope.key),
            "founding": scope.founding.as_stored(),
            "founding_change": _change(scope.founding, previous and previous.founding),
            "founding_rank": founding_ranks.get(scope.key),
            "migrant_on_track": progress.migrant_on_track,
            "founding_on_track": progress.founding_on_track,
            "on_track": progress.on_track,
            "members_needed": progress.migrant_needed,
            "unions_needed": progress.founding_needed,
            "punctuality": punctuality.get(int(scope.key), {}),
        })
    rows.sort(key=lambda r: (r["migrant_rank"] is None, r["migrant_rank"] or 0, r["name"]))
    return {
        "year": year, "month": month, "as_of": as_of.isoformat(),
        "previous_as_of": before_day.isoformat(),
        "source": "recomputed" if recompute else "snapshot",
        "milestone": None if milestone is None else {
            "on": milestone.on.isoformat(), "target_pct": milestone.target_pct,
            "days_left": (milestone.on - as_of).days},
        "streets": rows,
        "off_track": [r["name"] for r in rows if r["on_track"] is False],
    }


def bulletin_draft(year, month, *, by=None, today=None):
    """The bulletin of `year`-`month`: made once as a draft; run again, it returns the
    bulletin already there (the scheduled run on the 1st is safe to repeat)."""
    existing = Bulletin.objects.filter(year=year, month=month).order_by("-version").first()
    if existing is not None:
        return existing, False
    content = bulletin_content(year, month, today=today)
    try:
        with transaction.atomic():
            return Bulletin.objects.create(
                year=year, month=month, as_of=month_end(year, month), content=content,
                created_by=by), True
    except IntegrityError:
        return Bulletin.objects.get(year=year, month=month, version=1), False


def bulletin_draft_previous_month(today=None):
    today = today or timezone.localdate()
    first = today.replace(day=1) - timedelta(days=1)
    return bulletin_draft(first.year, first.month, today=today)


def _require_publisher(user):
    if user is None or user.role not in PUBLISHERS:
        raise PermissionDenied


@transaction.atomic
def bulletin_refresh(*, bulletin, by):
    """Make a draft again: the first version from the stored snapshots at once (e.g. after
    a late narrative); a correction is computed again in the background."""
    _require_publisher(by)
    bulletin = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    if bulletin.is_published:
        raise ValidationError(_("A published bulletin never changes."))
    if bulletin.corrects_id is not None:
        return _queue_recompute(bulletin)
    bulletin.content = bulletin_content(bulletin.year, bulletin.month)
    bulletin.save(update_fields=["content"])
    return bulletin


def _queue_recompute(bulletin):
    """A correction's figures are computed from the whole registry (tens of seconds at a
    million workers): in a Celery task, queued when this transaction commits."""
    from reporting.tasks import bulletin_correction_compute_task

    bulletin.content = {**bulletin.content, "pending": True}
    bulletin.save(update_fields=["content"])
    transaction.on_commit(lambda: bulletin_correction_compute_task.delay(bulletin.pk))
    return bulletin


def bulletin_correction_compute(bulletin_id):
    """Fill a correction draft's figures (the Celery task's work); safe to run twice."""
    with transaction.atomic():
        bulletin = Bulletin.objects.select_for_update().filter(pk=bulletin_id).first()
        if bulletin is None or bulletin.is_published or bulletin.corrects_id is None:
            return None
        if not bulletin.content.get("pending"):
            return bulletin
    content = bulletin_content(bulletin.year, bulletin.month, recompute=True)
    content["changes"] = changes_between(bulletin.corrects.content, content)
    with transaction.atomic():
        bulletin = Bulletin.objects.select_for_update().get(pk=bulletin_id)
        if bulletin.is_published:
            return bulletin
        bulletin.content = content
        bulletin.save(update_fields=["content"])
    return bulletin


@transaction.atomic
def bulletin_publish(*, bulletin, by):
    _require_publisher(by)
    bulletin = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    if bulletin.is_published:
        raise ValidationError(_("This bulletin is already published."))
    if bulletin.corrects_id and not bulletin.correction_note.strip():
        raise ValidationError(_("A correction says what changed before it is published."))
    if bulletin.content.get("pending"):
        raise ValidationError(_("The figures of this version are still being computed."))
    bulletin.status = Bulletin.Status.PUBLISHED
    bulletin.published_at = timezone.now()
    bulletin.published_by = by
    bulletin.save()
    return bulletin


@transaction.atomic
def bulletin_correct(*, bulletin, by, note):
    """A new version of a published bulletin: the editor's note now; the figures, computed
    again as of the same days from the registry as it is now, and the list of what
    changed, by a Celery task (bulletin_correction_compute)."""
    _require_publisher(by)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say what this correction changes.")})
    latest = (Bulletin.objects.select_for_update()
              .filter(year=bulletin.year, month=bulletin.month).order_by("-version").first())
    if latest.pk != bulletin.pk or not latest.is_published:
        raise ValidationError(_("Only the latest published version can be corrected."))
    if bulletin.as_of >= timezone.localdate():
        raise ValidationError(_("The bulletin of a month is made after the month has "
                                "ended."))
    correction = Bulletin.objects.create(
        year=bulletin.year, month=bulletin.month, version=bulletin.version + 1,
        as_of=bulletin.as_of, content={"pending": True}, corrects=bulletin,
        correction_note=note, created_by=by)
    return _queue_recompute(correction)


def changes_between(before, after):
    """Every street figure that differs between two bulletins' contents:
    [{"street", "what": "migrant" | "founding" | "punctuality", "before", "after"}]."""
    old = {row["street_id"]: row for row in before.get("streets", [])}
    changes = []
    for row in after.get("streets", []):
        was = old.get(row["street_id"])
        if was is None:
            continue
        for what in ("migrant", "founding"):
            if was[what]["display"] != row[what]["display"]:
                changes.append({"street": row["name"], "what": what,
                                "before": was[what]["display"], "after": row[what]["display"]})
        if was.get("punctuality") != row.get("punctuality"):
            changes.append({"street": row["name"], "what": "punctuality", "before": "",
                            "after": ""})
    return changes


def bulletin_versions(year, month):
    return list(Bulletin.objects.filter(year=year, month=month).order_by("version"))


def bulletin_latest_published():
    return Bulletin.objects.filter(status=Bulletin.Status.PUBLISHED).order_by(
        "-year", "-month", "-version").first()
