"""The Excel files of the audit trail and of the person's rights (SPEC §7.4, §8): headers in
Chinese, rows apart from format (STYLE habit 7), rendered by reporting.xlsx."""

from django.utils import timezone

from accounts.models import AccessLog, Role
from hedong_union.history import person_name
from privacy import selectors
from reporting.exports import Export
from reporting.xlsx import Column

CHUNK_SIZE = 2000

# ---------------------------------------------------------------------------
# The access log: who viewed or exported whose personal data
# ---------------------------------------------------------------------------
ACCESS_LOG_COLUMNS = [
    Column("时间", 18, "datetime"), Column("用户", 14), Column("登录名", 16),
    Column("操作", 14), Column("记录类型", 24), Column("记录编号", 12),
    Column("说明", 48), Column("IP地址", 18),
]


def access_log_queryset(*, user, **parameters):
    """The office alone reads the access log; any other user gets no row."""
    if user.role != Role.ADMIN:
        return AccessLog.objects.none()
    return selectors.access_log_list(**parameters)


def access_log_rows(queryset, *, full_pii):
    """One row an entry; the log holds no personal data (SPEC §8)."""
    actions = {value: str(label) for value, label in AccessLog.Action.choices}
    for (created_at, last_name, first_name, username, action, target_type, target_id,
         description, ip) in queryset.values_list(
            "created_at", "user__last_name", "user__first_name", "user__username", "action",
            "target_type", "target_id", "description", "ip_address").iterator(
            chunk_size=CHUNK_SIZE):
        yield [created_at, f"{last_name}{first_name}" or username, username,
               actions.get(action, action), target_type, target_id, description, ip or ""]


ACCESS_LOG = Export(
    kind="access_log", title="个人信息访问记录", filename="access-log",
    target_type="accounts.accesslog", columns=ACCESS_LOG_COLUMNS,
    queryset=access_log_queryset, rows=access_log_rows,
)


# ---------------------------------------------------------------------------
# A copy of what the portal holds about one person (PIPL Art. 45)
# ---------------------------------------------------------------------------
def _value(obj, field):
    if field.choices:
        return str(getattr(obj, f"get_{field.name}_display")())
    value = getattr(obj, field.attname)
    if field.is_relation and value is not None:
        related = getattr(obj, field.name, None)
        return str(related) if related is not None else value
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    return "" if value is None else value


def _shown_fields(model):
    # The keyed hashes are look-up keys, not the person's data.
    return [f for f in model._meta.concrete_fields
            if not f.name.endswith("_hmac") and f.name not in ("id",)]


def _record_sheet(name, model, objects):
    fields = _shown_fields(model)
    columns = [Column("编号", 10, "int")] + [
        Column(str(f.verbose_name), 18, "code" if "number" in f.name or f.name == "phone"
               else "text") for f in fields]
    rows = [[obj.pk] + [_value(obj, f) for f in fields] for obj in objects]
    return name, columns, rows


HISTORY_COLUMNS = [
    Column("记录类型", 14), Column("记录编号", 10, "int"), Column("变更时间", 18, "datetime"),
    Column("变更类型", 10), Column("操作人", 12), Column("内容", 80),
]
_HISTORY_TYPES = {"+": "新增", "~": "修改", "-": "删除"}


def _history_rows(objects):
    for obj in objects:
        model = type(obj)
        fields = _shown_fields(model)
        for record in obj.history.select_related("history_user").order_by("history_date",
                                                                          "history_id"):
            content = "；".join(f"{f.verbose_name}：{_value(record, f)}" for f in fields
                               if hasattr(record, f.attname))
            yield [str(model._meta.verbose_name), obj.pk, record.history_date,
                   _HISTORY_TYPES.get(record.history_type, record.history_type),
                   person_name(record.history_user) or "系统", content]


def person_sheets(records):
    """The person's records, their history and who saw them, one sheet each."""
    from applications.models import Application
    from membership.models import Member, Worker
    from subsidies.models import Entitlement

    log = selectors.access_log_list(
        worker_ids=[w.pk for w in records.workers],
        application_ids=[a.pk for a in records.applications])
    return [
        _record_sheet("职工信息", Worker, records.workers),
        _record_sheet("会员信息", Member, records.members),
        _record_sheet("入会申请", Application, records.applications),
        _record_sheet("补贴", Entitlement, records.entitlements),
        ("变更记录", HISTORY_COLUMNS,
         list(_history_rows([*records.workers, *records.members, *records.applications,
                             *records.entitlements]))),
        ("访问记录", ACCESS_LOG_COLUMNS, list(access_log_rows(log, full_pii=True))),
    ]
