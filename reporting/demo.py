"""Demo reports for `seed_demo`: the 2019 plan's campaign and the current year's, the
ten-day snapshots of the current year, its monthly bulletins (all published but the last,
left as a draft) and the milestone reports due. Each step is keyed by its day, so running
the seed again adds nothing."""

from datetime import date

from django.utils import timezone

from accounts.models import Role, User
from hedong_union.demo_guard import demo_data_allowed_ensure
from reporting import bulletins, milestones, snapshots
from reporting.models import Bulletin, Campaign
from reporting.progress import campaign_get

PLAN_YEAR = 2019


def seed_reports(*, today=None, log=None):
    demo_data_allowed_ensure("seed_reports")
    log = log or (lambda message: None)
    today = today or timezone.localdate()
    Campaign.objects.get_or_create(year=PLAN_YEAR, defaults={
        **Campaign.defaults_for(PLAN_YEAR),
        "title": "2019年农民工入会和两新组织建会集中行动（津东总工发〔2019〕22号）",
    })
    campaign_get(today.year)
    made = snapshots.ten_day_snapshots_catch_up(today, since=date(today.year, 1, 1))
    log(f"ten-day snapshots: {len(made)} taken")
    publisher = User.objects.filter(role=Role.LEADER, is_active=True).order_by("pk").first()
    months = range(1, today.month)
    drafts = [bulletins.bulletin_draft(today.year, month, today=today)[0] for month in months]
    for bulletin in drafts[:-1]:
        if publisher and bulletin.status == Bulletin.Status.DRAFT:
            bulletins.bulletin_publish(bulletin=bulletin, by=publisher)
    log(f"monthly bulletins: {len(drafts)}")
    reports = milestones.milestone_reports_due(today)
    log(f"milestone reports: {len(reports)} made")
