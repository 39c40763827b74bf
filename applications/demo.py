"""Demo online applications for `seed_demo`: pending ones in two streets, one pending for
twelve days (flagged), one approved and one rejected; some carry a member service card
(SPEC §5), among them the approved one, so its member has the card bound. Synthetic
identifiers with real check digits; skipped when applications exist already, so a rerun
adds nothing."""

import random
from datetime import date, timedelta

from django.utils import timezone

from accounts.models import User
from applications.consent import CONSENT_VERSION
from applications.models import Application
from applications.services import application_approve, application_reject, application_submit
from hedong_union.demo_guard import demo_data_allowed_ensure
from membership import fakes
from membership.models import Community, Street

_PEOPLE = ["马晓东", "陈桂兰", "刘建军", "杨秀梅", "黄志强", "周丽娟", "吴海涛", "郑红霞"]
# The applicants who give their member service card on the form (index in _PEOPLE): the
# approved one and one still pending.
_WITH_CARD = {1, 3}
_GROUPS = ["food_delivery", "courier", "domestic", "truck_driver", "security", "carer",
           "estate_agent", "mall_info"]


def seed_applications(*, seed):
    """Add the demo applications; the number added (0 when some exist)."""
    demo_data_allowed_ensure("seed_applications")
    if Application.objects.exists():
        return 0
    rng = random.Random(f"applications-{seed}")
    streets = [Street.objects.by_name("大王庄"), Street.objects.by_name("大直沽")]
    reviewer = User.objects.filter(username="street_dawangzhuang").first()
    made = []
    for i, name in enumerate(_PEOPLE):
        street = streets[0] if i < 6 else streets[1]
        community = rng.choice(list(Community.objects.filter(street=street).order_by("pk")))
        outcome = application_submit(
            name=name, employer=None, street=street, community=community,
            id_number=fakes.resident_id(rng, region="410102",
                                        birth_date=date(1980, 1, 1) + timedelta(days=400 * i)),
            phone=fakes.phone(rng), occupation_group=_GROUPS[i], declared=True,
            consented=True, consent_version=CONSENT_VERSION,
            card_number=fakes.card_number(rng) if i in _WITH_CARD else "")
        if outcome.application is not None:
            made.append(outcome.application)
    if len(made) >= 3:
        submitted = timezone.now() - timedelta(days=12)  # overdue: flagged on the homes
        Application.objects.filter(pk=made[0].pk).update(created_at=submitted,
                                                          consented_at=submitted)
        if reviewer is not None:
            application_approve(application=made[1], by=reviewer, hukou_type="rural")
            application_reject(application=made[2], by=reviewer,
                               reason="所填单位无法核实，请补充在职证明后重新申请。")
    return len(made)
