"""Milestone reports (SPEC §7.3): every scope against the target as of 7-31 and 10-31,
with the list of those that missed (督查问责); and the campaign's summary after the push.
Both are stored when made and read as stored.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from reporting import campaigns
from reporting.figures import figures_as_of
from reporting.models import Campaign, MilestoneReport
from reporting.progress import campaign_get
from reporting.snapshots import figures_on
from subsidies.selectors import totals_stored

def _rate_json(rate):
    return None if rate is None else rate.as_stored()


def _met(rate, target):
    return None if rate is None or not rate.den else rate.meets(target)


def milestone_content(campaign, milestone):
    rows, missed = [], []
    for figure in figures_on(milestone.on):
        kind, key, name = figure.kind, figure.key, figure.name
        migrant, founding = figure.migrant, figure.founding
        migrant_met, founding_met = _met(migrant, milestone.target), _met(
            founding, milestone.target)
        row = {"kind": kind, "key": key, "name": name,
               "migrant": _rate_json(migrant), "migrant_met": migrant_met,
               "founding": _rate_json(founding), "founding_met": founding_met,
               "members_needed": migrant.needed_for(milestone.target),
               "unions_needed": 0 if founding is None else founding.needed_for(
                   milestone.target)}
        rows.append(row)
        which = [rate for met, rate in ((migrant_met, "migrant"), (founding_met, "founding"))
                 if met is False]
        if which:
            missed.append({"kind": kind, "name": name, "which": which})
    return {"campaign": campaign.title, "as_of": milestone.on.isoformat(),
            "target_pct": milestone.target_pct, "scopes": rows, "missed": missed}


def milestone_report_make(campaign, milestone):
    """The report of one milestone, made once (run again, it returns the stored one)."""
    existing = MilestoneReport.objects.filter(
        campaign=campaign, kind=MilestoneReport.Kind.MILESTONE, as_of=milestone.on).first()
    if existing:
        return existing, False
    content = milestone_content(campaign, milestone)
    try:
        with transaction.atomic():
            return MilestoneReport.objects.create(
                campaign=campaign, kind=MilestoneReport.Kind.MILESTONE, as_of=milestone.on,
                target=campaigns.fraction_decimal(milestone.target), content=content), True
    except IntegrityError:
        return MilestoneReport.objects.get(campaign=campaign, as_of=milestone.on,
                                           kind=MilestoneReport.Kind.MILESTONE), False


def summary_content(campaign):
    plan = campaign.plan()
    as_of = campaign.push_end
    figures = figures_as_of(as_of, campaign.mobilisation_start,
                            kinds=("district", "street"))
    milestones = []
    for milestone in plan.milestones:
        report = MilestoneReport.objects.filter(
            campaign=campaign, kind=MilestoneReport.Kind.MILESTONE, as_of=milestone.on).first()
        milestones.append({"on": milestone.on.isoformat(),
                           "target_pct": milestone.target_pct,
                           "missed": len(report.content["missed"]) if report else None})
    rows = []
    for f in figures:
        counts = f.counts
        rows.append({"kind": f.kind, "name": f.name,
                     "migrant": _rate_json(counts.migrant),
                     "founding": _rate_json(counts.founding),
                     "new_members": counts.new_members, "new_unions": counts.new_unions,
                     "applications_received": counts.applications_received,
                     "applications_approved": counts.applications_approved,
                     "migrant_met": _met(counts.migrant, plan.milestones[-1].target),
                     "founding_met": _met(counts.founding, plan.milestones[-1].target)})
    return {"campaign": campaign.title, "from": campaign.mobilisation_start.isoformat(),
            "as_of": as_of.isoformat(), "milestones": milestones, "scopes": rows,
            "subsidies": totals_stored(year=campaign.year)}


def campaign_summary_make(campaign):
    existing = MilestoneReport.objects.filter(campaign=campaign,
                                              kind=MilestoneReport.Kind.SUMMARY).first()
    if existing:
        return existing, False
    content = summary_content(campaign)
    try:
        with transaction.atomic():
            return MilestoneReport.objects.create(
                campaign=campaign, kind=MilestoneReport.Kind.SUMMARY,
                as_of=campaign.push_end, content=content), True
    except IntegrityError:
        return MilestoneReport.objects.get(campaign=campaign,
                                           kind=MilestoneReport.Kind.SUMMARY), False


def milestone_reports_due(today=None):
    """Make every report whose day has passed and that is missing: the milestones of this
    year's campaign (and last year's, for a run early in January), and the summary once
    the push has ended. Safe to run twice and late."""
    today = today or timezone.localdate()
    made = []
    campaigns = [c for c in Campaign.objects.filter(year=today.year - 1)]
    for campaign in campaigns + [campaign_get(today.year)]:
        for milestone in campaign.plan().milestones:
            if milestone.on < today:
                report, created = milestone_report_make(campaign, milestone)
                made += [report] if created else []
        if campaign.push_end < today:
            report, created = campaign_summary_make(campaign)
            made += [report] if created else []
    return made


