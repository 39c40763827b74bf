"""Reads of the subsidies app, always through the scoped managers (SPEC §1); personal data
masked (SPEC §8). Writes are in services.py and organisations.py."""

import hmac
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Subquery, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone

from membership.identifiers import clean_resident_id, normalise_text
from membership.models import Member, MemberStatus
from membership.pii import mask_card, mask_id, pii_hmac
from subsidies import organisations, rules, services
from subsidies.models import (
    SKILL_PROGRAMMES,
    Batch,
    BatchLine,
    BatchState,
    Entitlement,
    EntitlementState,
    LineStatus,
    ModelHomeSelection,
    Programme,
    ProgrammeCode,
    ProgrammeYear,
    ResultUpload,
)

ZERO = Decimal("0.00")


# ---------------------------------------------------------------------------
# A member identifying on the public pages
# ---------------------------------------------------------------------------
def member_identify(*, id_number, card_last6):
    """The active member with this ID number whose bound card ends in `card_last6`, or None.

    The answer is the same None whether the ID is unknown, the membership ended or the card
    digits are wrong, so a failed identification says nothing about who is registered.
    """
    try:
        number = clean_resident_id(id_number).number
    except ValidationError:
        return None
    digits = normalise_text(card_last6)
    if len(digits) != 6 or not digits.isdigit():
        return None
    candidates = Member.objects.filter(
        worker__id_hmac=pii_hmac("id", number), status=MemberStatus.ACTIVE,
        card_hmac__isnull=False).select_related("worker")
    found = None
    for member in candidates:
        # compare_digest: the time taken does not depend on how many digits match.
        if hmac.compare_digest((member.card_number or "")[-6:], digits):
            found = member
    return found


def member_active_get(pk):
    """The member a public session identified, while the membership is still active."""
    return Member.objects.filter(pk=pk, status=MemberStatus.ACTIVE).select_related(
        "worker").first()


def spring_return_open(on=None):
    """The spring-return settings of `on`'s year (today's by default) the claim page shows
    before the member claims: the amount paid at most and the return window; None while
    the year has no settings or its dates are not set, as claims are then refused."""
    on = on or timezone.localdate()
    settings = ProgrammeYear.objects.filter(programme_id=ProgrammeCode.SPRING_RETURN,
                                            year=on.year).first()
    if settings is None or not rules.spring_return_opened(settings):
        return None
    return settings


def member_claim_get(*, member, pk):
    return (Entitlement.objects.filter(member=member, pk=pk).select_related("programme")
            .with_batch_state().first())


@dataclass
class SelfService:
    member: Member
    card: str
    entitlements: list
    payments: list


def member_self_service(member):
    """What a member sees of their own money: entitlements and payments, card masked. A
    draft is the office's working copy of a rule run, not yet anything due, and a cancelled
    one a draft the office withdrew: neither is shown."""
    entitlements = list(Entitlement.objects.filter(member=member)
                        .exclude(state__in=[EntitlementState.DRAFT, EntitlementState.CANCELLED])
                        .select_related("programme")
                        .with_batch_state().order_by("-year", "-created_at"))
    payments = list(BatchLine.objects.filter(entitlement__member=member)
                    .exclude(status=LineStatus.PENDING)
                    .select_related("entitlement__programme").order_by("-settled_at", "-pk"))
    return SelfService(member=member, card=mask_card(member.card_number),
                       entitlements=entitlements, payments=payments)


# ---------------------------------------------------------------------------
# Programmes and their years
# ---------------------------------------------------------------------------
def programme_list(*, user):
    return Programme.objects.for_user(user).order_by("pk")


def programme_get(*, user, pk, write=False):
    return get_object_or_404(Programme.objects.for_user(user, write=write), pk=pk)


def programme_year_list(*, user):
    return ProgrammeYear.objects.for_user(user).select_related("programme").order_by(
        "programme__pk", "-year")


def programme_year_get(*, user, pk, write=False):
    return get_object_or_404(
        ProgrammeYear.objects.for_user(user, write=write).select_related("programme"), pk=pk)


def programme_years(code):
    return list(ProgrammeYear.objects.filter(programme_id=code).order_by("-year")
                .values_list("year", flat=True))


def entitlement_years():
    return sorted(set(ProgrammeYear.objects.values_list("year", flat=True)), reverse=True)


def state_counts(*, programme, year):
    """Entitlements of one programme and year by the state people see, for the rule-run
    page."""
    counts = dict(Entitlement.objects.filter(programme_id=programme, year=year)
                  .with_batch_state().values_list("state_shown").annotate(n=Count("pk")))
    return [(state, label, counts.get(state, 0)) for state, label in EntitlementState.choices]


# ---------------------------------------------------------------------------
# Totals (SPEC §6.3): by programme, year and funding source, to the yuan
# ---------------------------------------------------------------------------
MONEY_KEYS = ("entitled", "entitled_city", "entitled_district", "paid", "paid_city",
              "paid_district")


@dataclass
class Totals:
    rows: list
    total: dict
    reconciles: bool


def totals_table(*, year=None):
    """services.totals with the programme names, a grand total and the check that the city
    and district parts add up to every figure."""
    names = dict(Programme.objects.values_list("code", "name"))
    rows = []
    for row in services.totals(year=year):
        row = {**row, **{k: row[k] or ZERO for k in MONEY_KEYS}}
        row["name"] = names.get(row["programme_id"], row["programme_id"])
        row["reconciles"] = (row["entitled_city"] + row["entitled_district"] == row["entitled"]
                             and row["paid_city"] + row["paid_district"] == row["paid"])
        rows.append(row)
    total = {k: sum((r[k] for r in rows), ZERO) for k in MONEY_KEYS}
    total["reconciles"] = (total["entitled_city"] + total["entitled_district"]
                           == total["entitled"]
                           and total["paid_city"] + total["paid_district"] == total["paid"])
    return Totals(rows=rows, total=total, reconciles=total["reconciles"]
                  and all(r["reconciles"] for r in rows))


def totals_stored(*, year):
    """totals_table of `year` as a stored report keeps it (money as text, to the fen):
    {"rows": [{"programme_id", "name", every MONEY_KEYS}], "total": {...}, "reconciles"}."""
    table = totals_table(year=year)
    return {
        "rows": [{"programme_id": row["programme_id"], "name": str(row["name"]),
                  **{k: str(row[k]) for k in MONEY_KEYS}} for row in table.rows],
        "total": {k: str(table.total[k]) for k in MONEY_KEYS},
        "reconciles": table.reconciles,
    }


def totals_export_rows(table):
    for row in table.rows:
        yield [row["name"], row["year"], *[row[k] for k in MONEY_KEYS]]
    yield ["合计", None, *[table.total[k] for k in MONEY_KEYS]]


# ---------------------------------------------------------------------------
# Entitlements
# ---------------------------------------------------------------------------
def _entitlements(*, user, programme="", year=None):
    queryset = Entitlement.objects.for_user(user)
    if programme:
        queryset = queryset.filter(programme_id=programme)
    if year:
        queryset = queryset.filter(year=year)
    return queryset


def entitlement_list(*, user, programme="", year=None, state=""):
    queryset = _entitlements(user=user, programme=programme, year=year).select_related(
        "programme", "member__worker", "street", "industry_federation", "union")
    if state:
        queryset = queryset.in_state(state)
    return queryset.with_batch_state().order_by("-created_at", "-pk")


def entitlement_scope(*, user, programme="", year=None):
    """The entitlements an office action (submit, approve) applies to: the filtered list,
    whatever its state; the services pick the states they act on."""
    return _entitlements(user=user, programme=programme, year=year).order_by("-created_at",
                                                                             "-pk")


def with_entitlement_display(entitlements):
    """Who receives each entitlement, personal data masked (SPEC §8)."""
    for entitlement in entitlements:
        member = entitlement.member
        if member is not None:
            entitlement.recipient_name = member.worker.name
            entitlement.id_display = mask_id(member.worker.id_number)
            entitlement.card_display = mask_card(member.card_number)
        else:
            entitlement.recipient_name = entitlement.recipient_organisation or "—"
            entitlement.id_display = entitlement.card_display = ""
    return entitlements


def entitlement_get(*, user, pk, write=False):
    entitlement = get_object_or_404(
        Entitlement.objects.for_user(user, write=write).select_related(
            "programme", "member__worker", "street", "industry_federation", "union")
        .with_batch_state(), pk=pk)
    with_entitlement_display([entitlement])
    return entitlement


def skill_claim_list(*, user):
    return entitlement_list(user=user).filter(programme_id__in=SKILL_PROGRAMMES)


def member_for_claim(*, user, member_number):
    """A member of the user's scope that the user may enter a claim for, by member number."""
    number = normalise_text(member_number).upper()
    if not number:
        return None
    return Member.objects.for_user(user, write=True).filter(
        member_number=number, status=MemberStatus.ACTIVE).select_related("worker").first()


# ---------------------------------------------------------------------------
# Batches and the bank's results
# ---------------------------------------------------------------------------
def batch_list(*, user):
    return Batch.objects.for_user(user).select_related("created_by", "approved_by").annotate(
        line_count=Count("lines"), amount=Sum("lines__amount"),
        paid_count=Count("lines", filter=Q(lines__status=LineStatus.PAID)),
        failed_count=Count("lines", filter=Q(lines__status=LineStatus.FAILED)),
    ).order_by("-created_at", "-pk")


def batch_get(*, user, pk, write=False):
    return get_object_or_404(Batch.objects.for_user(user, write=write).select_related(
        "created_by", "approved_by"), pk=pk)


def batch_summary(batch):
    """Lines and money by line status, and the batch's total."""
    rows = dict((status, (n, amount)) for status, n, amount in batch.lines.values_list(
        "status").annotate(n=Count("pk"), amount=Sum("amount")).values_list(
        "status", "n", "amount"))
    summary = [(status, label, *rows.get(status, (0, ZERO)))
               for status, label in LineStatus.choices]
    return {"by_status": summary, "count": sum(r[2] for r in summary),
            "amount": sum((r[3] for r in summary), ZERO)}


def batch_lines(batch, *, status=""):
    lines = batch.lines.select_related("entitlement__programme", "entitlement__member__worker",
                                       "entitlement__street", "entitlement__industry_federation",
                                       "entitlement__union").order_by("pk")
    if status:
        lines = lines.filter(status=status)
    return lines


def with_line_display(lines):
    with_entitlement_display([line.entitlement for line in lines])
    return lines


def batch_failed_entitlements(batch):
    """The entitlements whose line failed in this batch and that are still unpaid."""
    return Entitlement.objects.filter(
        pk__in=Subquery(batch.lines.filter(status=LineStatus.FAILED).values("entitlement_id")),
        state=EntitlementState.FAILED).payable()


def batch_failed_lines(batch):
    """Failed lines whose entitlement still waits to be paid again."""
    return batch_lines(batch, status=LineStatus.FAILED).filter(
        entitlement__in=batch_failed_entitlements(batch))


def batch_waiting_for_card(*, user, programme="", year=None):
    """For each programme and year with entitlements a batch may take (of `programme` and
    `year` when given): how many a batch would take now and how many wait for the member
    to bind a member service card (待绑卡). Rows of dicts {programme_id, name, year, ready,
    waiting}, the programmes in their order, the latest year first.

    Two grouped queries: the totals without looking at members, and the waiting ones,
    the only one that joins the members (only those without a card)."""
    queryset = _entitlements(user=user, programme=programme, year=year).payable().order_by()
    waiting = {(row["programme_id"], row["year"]): row["n"]
               for row in queryset.waiting_for_card().values("programme_id", "year")
               .annotate(n=Count("pk"))}
    rows = (queryset.values("programme_id", "programme__name", "year")
            .annotate(total=Count("pk")).order_by("programme__pk", "-year"))
    out = []
    for row in rows:
        held = waiting.get((row["programme_id"], row["year"]), 0)
        out.append({"programme_id": row["programme_id"], "name": row["programme__name"],
                    "year": row["year"], "ready": row["total"] - held, "waiting": held})
    return out


def result_upload_get(*, user, pk):
    return get_object_or_404(ResultUpload.objects.for_user(user).select_related(
        "batch", "uploaded_by"), pk=pk)


def result_uploads_of(batch):
    return batch.result_uploads.select_related("uploaded_by").order_by("-uploaded_at")


# ---------------------------------------------------------------------------
# Organisation programmes (SPEC §6.2)
# ---------------------------------------------------------------------------
@dataclass
class OrganisationPage:
    year: int
    development: list
    grants: list
    rebates: list
    selections: list
    share: object
    share_percent: object
    share_met: bool
    gaps_streets: list
    gaps_federations: list
    social_workers: list


def organisation_page(*, year):
    from membership.models import IndustryFederation

    live = Entitlement.objects.exclude(state__in=[EntitlementState.REJECTED,
                                                  EntitlementState.CANCELLED])
    try:
        development = organisations.development_due(year)
    except ValidationError:
        development = []
    made = live.filter(programme_id=ProgrammeCode.DEVELOPMENT, year=year)
    development_created = {("street", s): a for s, a in made.filter(street__isnull=False)
                           .values_list("street_id", "amount")}
    development_created.update({("federation", f): a for f, a in made.filter(
        industry_federation__isnull=False).values_list("industry_federation_id", "amount")})
    grants_made = dict(live.filter(programme_id=ProgrammeCode.INDUSTRY_GRANT, year=year)
                       .values_list("industry_federation_id", "amount"))
    grants = [(federation, grants_made.get(federation.pk))
              for federation in IndustryFederation.objects.order_by("pk")]
    recorded = {(u, y): a for u, y, a in live.filter(
        programme_id=ProgrammeCode.FOUNDING_REBATE).values_list("union_id", "year", "amount")}
    rebates = [(union, [(y, recorded.get((union.pk, y))) for y in years])
               for union, years in organisations.founding_rebate_due()]
    share, met = organisations.model_home_share(year)
    streets, federations = organisations.social_worker_gaps()
    def created(due):
        kind = "federation" if isinstance(due.recipient, IndustryFederation) else "street"
        return development_created.get((kind, due.recipient.pk))

    return OrganisationPage(
        year=year, development=[(due, created(due)) for due in development],
        grants=grants, rebates=rebates,
        selections=list(ModelHomeSelection.objects.filter(year=year).select_related("union")),
        share=share, share_met=met, share_percent=_percent(share), gaps_streets=streets, gaps_federations=federations,
        social_workers=list(organisations.social_workers_current().select_related(
            "street", "industry_federation").order_by("street__position",
                                                      "industry_federation__pk", "name")))


def _percent(share):
    """An exact fraction as a percentage to 2 decimals, rounded half up (SPEC §7.1)."""
    if share is None:
        return None
    return (Decimal(share.numerator * 100) / Decimal(share.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------
# The office's and the leadership's home panel
# ---------------------------------------------------------------------------
def home_figures(*, user):
    """This year's money and the work waiting, for the home pages of the office and the
    leadership group."""
    year = timezone.localdate().year
    table = totals_table(year=year)
    return {
        "year": year,
        "entitled": table.total["entitled"],
        "paid": table.total["paid"],
        "pending": Entitlement.objects.for_user(user).filter(
            state=EntitlementState.PENDING).count(),
        "batches_to_approve": Batch.objects.for_user(user).filter(
            state=BatchState.DRAFT).count(),
    }


def batch_payment_file_content(batch):
    """The batch's payment file in clear, decrypted in memory (it is stored encrypted:
    membership.pii.EncryptedPIIFileField); 404 when the file is gone from the storage."""
    from django.http import Http404

    try:
        return batch.payment_file.read_decrypted()
    except FileNotFoundError:
        raise Http404 from None
