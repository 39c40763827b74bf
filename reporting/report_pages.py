"""The report pages (SPEC §7.3): ten-day reports with the federations' narratives, monthly
bulletins, milestone reports and the campaign summary; each with its Excel file.

Who sees what: the reports feature is for the district office, the leadership group,
street federations and industry federations. Figures of every street are shared (a
bulletin is read by every street); a narrative is read by the office, the leadership and
its own federation; drafts of bulletins by the office and the leadership only.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import AccessLog, Role
from accounts.navigation import FEATURES_BY_SLUG
from accounts.services import access_log_record
from hedong_union.forms import apply_errors
from reporting import bulletins, narratives, report_excel
from reporting.forms import CorrectionForm, NarrativeForm
from reporting.models import Bulletin, MilestoneReport, Narrative, ScopeFigure, Snapshot
from reporting.models.snapshots import ScopeKind
from reporting.periods import last_closed_period, period_of
from reporting.services import EXCEL_LANGUAGE
from reporting.xlsx import write_xlsx, xlsx_response

REPORT_ROLES = FEATURES_BY_SLUG["reports"].roles  # who has the menu entry may open them
WRITERS = frozenset({Role.STREET, Role.INDUSTRY})
PUBLISHERS = bulletins.PUBLISHERS
RECENT_PERIODS = 9


def _reader(request):
    if request.user.role not in REPORT_ROLES:
        raise PermissionDenied


def _report_page(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        _reader(request)
        return view(request, *args, **kwargs)
    return login_required(wrapped)


def _visible_bulletins(user):
    queryset = Bulletin.objects.all()
    if user.role not in PUBLISHERS:
        queryset = queryset.filter(status=Bulletin.Status.PUBLISHED)
    return queryset


def _period_or_404(end):
    try:
        return narratives.period_from_end(end)
    except ValidationError:
        raise Http404 from None


@_report_page
@require_GET
def index(request):
    user = request.user
    today = timezone.localdate()
    # From the current period once its narrative may be written (its reminder day).
    current = period_of(today)
    periods, period = [], current if today >= current.reminder else last_closed_period(today)
    for _index in range(RECENT_PERIODS):
        periods.append(period)
        period = period.previous()
    taken = {s.as_of: s for s in Snapshot.objects.filter(
        kind=Snapshot.Kind.TEN_DAY, as_of__in=[p.end for p in periods])}
    mine = {}
    if user.role in WRITERS:
        mine = {n.period_end: n for n in Narrative.objects.for_user(user).filter(
            period_end__in=[p.end for p in periods])}
    rows = [{"period": p, "snapshot": taken.get(p.end), "narrative": mine.get(p.end),
             "punctuality": narratives.punctuality_of(mine.get(p.end), p, today)}
            for p in periods]
    return render(request, "reporting/index.html", {
        "rows": rows, "writer": user.role in WRITERS,
        "reminder": narratives.open_reminder_for(user, today),
        "bulletins": _visible_bulletins(user).order_by("-year", "-month", "-version")[:24],
        "milestone_reports": MilestoneReport.objects.select_related("campaign")[:12],
        "publisher": user.role in PUBLISHERS,
    })


def _figures(snapshot, kind):
    return ScopeFigure.objects.filter(snapshot=snapshot, kind=kind).order_by("position")


@_report_page
@require_GET
def ten_day_detail(request, end):
    period = _period_or_404(end)
    snapshot = get_object_or_404(Snapshot, kind=Snapshot.Kind.TEN_DAY, as_of=period.end)
    states = narratives.narrative_states(period)
    readable = set(Narrative.objects.for_user(request.user).filter(
        period_end=period.end).values_list("pk", flat=True))
    return render(request, "reporting/ten_day_detail.html", {
        "period": period, "snapshot": snapshot,
        "district": _figures(snapshot, "district").first(),
        "streets": _figures(snapshot, "street"),
        "industries": _figures(snapshot, "industry"),
        "groups": _figures(snapshot, "group"),
        "states": states, "readable": readable,
    })


def _excel(request, *, filename, fallback, sheet_name, title, scope, as_of, columns, rows,
           target_type, target_id):
    response = xlsx_response(filename, fallback=fallback)
    with translation.override(EXCEL_LANGUAGE):
        write_xlsx(response, title=title, scope=scope, as_of=as_of, columns=columns,
                   rows=list(rows), sheet_name=sheet_name)
    access_log_record(user=request.user, action=AccessLog.Action.EXPORT,
                      target_type=target_type, target_id=str(target_id), request=request)
    return response


@_report_page
@require_GET
def ten_day_excel(request, end):
    period = _period_or_404(end)
    snapshot = get_object_or_404(Snapshot, kind=Snapshot.Kind.TEN_DAY, as_of=period.end)
    figures = ScopeFigure.objects.filter(snapshot=snapshot).exclude(kind="community").order_by(
        "kind", "position")
    order = [k for k, _label in ScopeKind.choices]
    figures = sorted(figures, key=lambda f: (order.index(f.kind), f.position))
    with translation.override(EXCEL_LANGUAGE):
        labels = {k: str(v) for k, v in ScopeKind.choices}
    return _excel(request, filename=f"旬报告-{period.end:%Y%m%d}.xlsx",
                  fallback=f"xunbao-{period.end:%Y%m%d}.xlsx", sheet_name="旬报告",
                  title="旬报告", scope=report_excel.DISTRICT,
                  as_of=f"{period.start:%Y-%m-%d}至{period.end:%Y-%m-%d}",
                  columns=report_excel.TEN_DAY_COLUMNS,
                  rows=report_excel.ten_day_rows(figures, labels),
                  target_type="reporting.snapshot", target_id=snapshot.pk)


@login_required
@require_http_methods(["GET", "POST"])
def narrative_edit(request, end):
    """The federation's narrative for the period ending `end`: written from its reminder
    day; revised until its due day; after that, read only."""
    if request.user.role not in WRITERS:
        raise PermissionDenied
    period = _period_or_404(end)
    today = timezone.localdate()
    if today < period.reminder:
        raise Http404
    existing = Narrative.objects.for_user(request.user).filter(period_end=period.end).first()
    if existing is not None and today > existing.period.due:
        return redirect("reporting:narrative_detail", existing.pk)
    form = NarrativeForm(request.POST or None, instance=existing)
    if request.method == "POST" and form.is_valid():
        try:
            narrative = narratives.narrative_submit(by=request.user, period=period,
                                                    **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            if narrative.on_time:
                messages.success(request, _("Narrative submitted on time."))
            else:
                messages.warning(request, _("Narrative submitted after its due day: it is "
                                            "marked late."))
            return redirect("reporting:narrative_detail", narrative.pk)
    return render(request, "reporting/narrative_form.html", {
        "form": form, "period": period, "existing": existing, "today": today,
        "late": today > period.due,
    })


@login_required
@require_GET
def narrative_detail(request, pk):
    """Read through the scoped manager: outside its federation (and the office and the
    leadership) a narrative is a 404, as every record is."""
    narrative = get_object_or_404(
        Narrative.objects.for_user(request.user).select_related(
            "street", "industry_federation", "author"), pk=pk)
    today = timezone.localdate()
    editable = request.user.role in WRITERS and today <= narrative.period.due
    return render(request, "reporting/narrative_detail.html", {
        "narrative": narrative, "editable": editable,
        "punctuality": narratives.punctuality_of(narrative, narrative.period, today)})


def _bulletin_or_404(user, pk):
    return get_object_or_404(_visible_bulletins(user).select_related(
        "corrects", "published_by", "created_by"), pk=pk)


@_report_page
@require_GET
def bulletin_detail(request, pk):
    bulletin = _bulletin_or_404(request.user, pk)
    versions = [b for b in bulletins.bulletin_versions(bulletin.year, bulletin.month)
                if b.is_published or request.user.role in PUBLISHERS]
    latest = versions[-1] if versions else bulletin
    return render(request, "reporting/bulletin_detail.html", {
        "bulletin": bulletin, "content": bulletin.content, "versions": versions,
        "latest": latest, "publisher": request.user.role in PUBLISHERS,
        "correction_form": CorrectionForm(),
    })


@_report_page
@require_GET
def bulletin_status(request, pk):
    """Whether a correction's figures are computed yet, for static/js/poll.js."""
    content = get_object_or_404(_visible_bulletins(request.user).values_list(
        "content", flat=True), pk=pk)
    return JsonResponse({"finished": not content.get("pending", False)})


@_report_page
@require_GET
def bulletin_excel(request, pk):
    bulletin = _bulletin_or_404(request.user, pk)
    stem = f"{bulletin.year}{bulletin.month:02d}-v{bulletin.version}"
    return _excel(request, filename=f"月通报-{stem}.xlsx", fallback=f"yuetongbao-{stem}.xlsx",
                  sheet_name="月通报",
                  title=f"{bulletin.year}年{bulletin.month}月工会建设工作月通报"
                  + (f"（第{bulletin.version}版）" if bulletin.version > 1 else "")
                  + ("" if bulletin.is_published else "（草稿）"),
                  scope=report_excel.DISTRICT, as_of=bulletin.as_of,
                  columns=report_excel.BULLETIN_COLUMNS,
                  rows=report_excel.bulletin_rows(bulletin.content),
                  target_type="reporting.bulletin", target_id=bulletin.pk)


def _bulletin_action(request, pk, action, success):
    if request.user.role not in PUBLISHERS:
        raise PermissionDenied
    bulletin = _bulletin_or_404(request.user, pk)
    try:
        result = action(bulletin)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("reporting:bulletin_detail", bulletin.pk)
    messages.success(request, success)
    return redirect("reporting:bulletin_detail", result.pk)


@_report_page
@require_POST
def bulletin_publish(request, pk):
    return _bulletin_action(
        request, pk, lambda b: bulletins.bulletin_publish(bulletin=b, by=request.user),
        _("Bulletin published. It can no longer change; a correction is a new version."))


@_report_page
@require_POST
def bulletin_refresh(request, pk):
    return _bulletin_action(
        request, pk, lambda b: bulletins.bulletin_refresh(bulletin=b, by=request.user),
        _("Draft made again from the stored figures."))


@_report_page
@require_POST
def bulletin_correct(request, pk):
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what this correction changes."))
        return redirect("reporting:bulletin_detail", pk)
    return _bulletin_action(
        request, pk, lambda b: bulletins.bulletin_correct(
            bulletin=b, by=request.user, note=form.cleaned_data["note"]),
        _("A new version was drafted; check it and publish it."))


@_report_page
@require_GET
def milestone_detail(request, pk):
    report = get_object_or_404(MilestoneReport.objects.select_related("campaign"), pk=pk)
    labels = dict(ScopeKind.choices)
    content = report.content
    template = ("reporting/campaign_summary.html"
                if report.kind == MilestoneReport.Kind.SUMMARY
                else "reporting/milestone_detail.html")
    return render(request, template, {
        "report": report, "content": content, "kind_labels": labels})


@_report_page
@require_GET
def milestone_excel(request, pk):
    report = get_object_or_404(MilestoneReport.objects.select_related("campaign"), pk=pk)
    if report.kind == MilestoneReport.Kind.SUMMARY:
        return _excel(request, filename=f"行动总结-{report.campaign.year}.xlsx",
                      fallback=f"zongjie-{report.campaign.year}.xlsx", sheet_name="行动总结",
                      title=f"{report.campaign.title}总结", scope=report_excel.DISTRICT,
                      as_of=f"{report.content['from']}至{report.content['as_of']}",
                      columns=report_excel.SUMMARY_COLUMNS,
                      rows=report_excel.summary_rows(report.content),
                      target_type="reporting.milestonereport", target_id=report.pk)
    with translation.override(EXCEL_LANGUAGE):
        labels = {k: str(v) for k, v in ScopeKind.choices}
    return _excel(request, filename=f"节点目标-{report.as_of:%Y%m%d}.xlsx",
                  fallback=f"jiedian-{report.as_of:%Y%m%d}.xlsx", sheet_name="节点目标完成情况",
                  title=f"{report.as_of:%m月%d日}节点目标完成情况（目标{report.content['target_pct']}%）",
                  scope=report_excel.DISTRICT, as_of=report.as_of,
                  columns=report_excel.MILESTONE_COLUMNS,
                  rows=report_excel.milestone_rows(report.content, labels),
                  target_type="reporting.milestonereport", target_id=report.pk)
