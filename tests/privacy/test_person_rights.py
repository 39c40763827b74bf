"""The person's rights (PIPL Art. 44-47, SPEC §8): the office finds a person's records by
ID number, records the request, gives a copy, and erases. After an erasure no trace of
the ID number, phone or card is left readable in any table, the history included, and
the figures of reports stay as published."""

import random
import re
from datetime import date, timedelta
from io import BytesIO

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AccessLog, AuditTrailRewrite
from applications.consent import CONSENT_VERSION
from applications.services import application_approve, application_submit
from membership import fakes
from membership.models import Member, Worker
from membership.pii import pii_hmac
from membership.services import worker_update
from privacy import services
from privacy.models import DataRequest
from privacy.selectors import person_records
from reporting.models import ExportJob, Snapshot
from reporting.snapshots import figures_on, live_snapshot_refresh

_rng = random.Random(47_2021)
NAME = "欧阳删除"


@pytest.fixture
def person(admin_user, dawangzhuang_community, union_dawangzhuang_property):
    """Someone who applied online with a card, was approved, then changed phone."""
    id_number = fakes.resident_id(_rng, region="410102", birth_date=date(1991, 2, 3))
    phones = [fakes.phone(_rng), fakes.phone(_rng)]
    card = fakes.card_number(_rng)
    application = application_submit(
        name=NAME, id_number=id_number, phone=phones[0], employer=None,
        street=dawangzhuang_community.street, community=dawangzhuang_community,
        occupation_group="food_delivery", declared=True, consented=True,
        consent_version=CONSENT_VERSION, card_number=card).application
    application = application_approve(application=application, by=admin_user,
                                      hukou_type="rural", union=union_dawangzhuang_property,
                                      joined_on=timezone.localdate())
    worker = application.member.worker
    worker_update(worker=worker, by=admin_user, phone=phones[1])
    AccessLog.objects.create(user=admin_user, action=AccessLog.Action.VIEW_FULL,
                             target_type="membership.worker", target_id=str(worker.pk))
    return {"id": id_number, "phones": phones, "card": card, "worker": worker,
            "application": application}


def _secrets(person):
    plain = [person["id"], *person["phones"], person["card"]]
    hashes = [pii_hmac("id", person["id"]), pii_hmac("card", person["card"]),
              *(pii_hmac("phone", p) for p in person["phones"])]
    return plain + hashes + [NAME]


_TOKEN = re.compile(r"gAAAAA[A-Za-z0-9_\-=]+")


def _readable_traces(secrets):
    """Every text, JSON and bytea value of every table, as stored, decrypted with every
    PII key wherever it holds a Fernet token, and decoded where it is a session: which
    of `secrets` each shows."""
    keys = [Fernet(k) for k in settings.PII_ENCRYPTION_KEYS]
    qn = connection.ops.quote_name
    found, scanned = set(), 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_name, column_name, data_type FROM information_schema.columns "
                       "WHERE table_schema = current_schema() AND data_type IN ('text', "
                       "'character varying', 'character', 'json', 'jsonb', 'bytea')")
        columns = cursor.fetchall()
        for table, column, kind in columns:
            cursor.execute(f"SELECT {qn(column)}::text FROM {qn(table)} "
                           f"WHERE {qn(column)} IS NOT NULL")
            for (value,) in cursor.fetchall():
                scanned += 1
                texts = [value]
                if kind == "bytea" and value.startswith("\\x"):
                    texts.append(bytes.fromhex(value[2:]).decode("latin-1"))
                for token in _TOKEN.findall(value):
                    for key in keys:
                        try:
                            texts.append(key.decrypt(token.encode()).decode())
                        except InvalidToken:
                            continue
                if table == "django_session" and column == "session_data":
                    texts.append(str(SessionStore().decode(value)))
                for text in texts:
                    found.update((table, column, s) for s in secrets if s in text)
    assert scanned > 100
    return found


def _delete_request(admin_user, person, kind=DataRequest.Kind.DELETE):
    return services.data_request_create(
        by=admin_user, kind=kind, received_on=timezone.localdate(),
        records=person_records(id_number=person["id"]))


def _figures(day):
    return [{k: v for k, v in vars(f).items() if k != "_state"}
            for f in figures_on(day, recompute=True)]


def _snapshot_rows():
    return list(Snapshot.objects.order_by("pk").values())


def test_an_erasure_leaves_no_readable_trace_in_any_table(admin_user, person, client):
    secrets = _secrets(person)
    # The scan sees the data before: in the records, their history and decrypted.
    before = _readable_traces(secrets)
    assert {("membership_worker", "id_number", person["id"]),
            ("membership_historicalworker", "phone", person["phones"][0]),
            ("membership_member", "card_number", person["card"]),
            ("applications_application", "id_hmac", pii_hmac("id", person["id"]))} <= before

    # Worker exports searched by the person's ID number, old phone and name keep those
    # filters (the numbers as keyed hashes).
    for parameters in ({"id_hmac": pii_hmac("id", person["id"])},
                       {"phone_hmac": pii_hmac("phone", person["phones"][0])},
                       {"search": NAME}, {"search": "王"}):
        ExportJob.objects.create(user=admin_user, kind="workers", parameters=parameters)
    live_snapshot_refresh()
    snapshots = _snapshot_rows()
    today = timezone.localdate()
    figures = _figures(today)

    request = _delete_request(admin_user, person)
    rewritten = services.person_erase(by=admin_user, request=request)

    assert rewritten >= 5
    assert _readable_traces(secrets) == set()
    assert ExportJob.objects.filter(parameters__search="王").exists()  # another search
    # The figures stay: the stored snapshots untouched, the rates of the day the same.
    assert _snapshot_rows() == snapshots
    assert _figures(today) == figures
    worker = Worker.objects.get(pk=person["worker"].pk)
    assert (worker.name, worker.id_number, worker.phone) == ("已删除", "已删除", None)
    assert worker.birth_date == date(1991, 2, 3) and worker.hukou_type == "rural"
    assert Member.objects.filter(worker=worker, status="active").exists()
    # The privileged path was used once, and says so.
    recorded = AuditTrailRewrite.objects.get(kind=AuditTrailRewrite.Kind.ERASE)
    assert recorded.by == admin_user and recorded.rows == rewritten
    assert f"data request {request.pk}" in recorded.description
    request.refresh_from_db()
    assert request.erased_at is not None and request.done_on == timezone.localdate()
    # The worker's own history says it was erased, by whom.
    assert worker.history.first().history_change_reason == services.ERASED
    # The pages still open.
    client.force_login(admin_user)
    page = client.get(reverse("membership:worker_detail", args=[worker.pk]))
    assert page.status_code == 200 and "个人信息已删除" in page.content.decode()
    assert client.get(reverse("privacy:data_request_detail", args=[request.pk])).status_code == 200


def test_only_a_delete_request_erases_and_only_once(admin_user, person):
    see = _delete_request(admin_user, person, kind=DataRequest.Kind.SEE)
    with pytest.raises(ValidationError):
        services.person_erase(by=admin_user, request=see)
    delete = _delete_request(admin_user, person)
    services.person_erase(by=admin_user, request=delete)
    with pytest.raises(ValidationError):
        services.person_erase(by=admin_user, request=delete)


def test_the_request_is_recorded_with_its_dates_and_history(admin_user, person):
    request = _delete_request(admin_user, person, kind=DataRequest.Kind.CORRECT)
    assert request.worker == person["worker"] and request.application == person["application"]
    with pytest.raises(ValidationError):
        services.data_request_done(by=admin_user, request=request,
                                   done_on=request.received_on - timedelta(days=1))
    with pytest.raises(ValidationError):
        services.data_request_done(by=admin_user, request=request,
                                   done_on=timezone.localdate() + timedelta(days=1))
    services.data_request_done(by=admin_user, request=request, done_on=timezone.localdate(),
                               note="phone corrected")
    request.refresh_from_db()
    assert (request.done_by, request.note) == (admin_user, "phone corrected")
    assert request.history.count() == 2
    with pytest.raises(ValidationError):
        services.data_request_done(by=admin_user, request=request, done_on=timezone.localdate())


def test_bad_requests_are_refused(admin_user, person, street_staff_dawangzhuang):
    records = person_records(id_number=person["id"])
    for kwargs in ({"kind": "forget"}, {"received_on": timezone.localdate() + timedelta(1)},
                   {"received_on": None}, {"note": "x" * 256}):
        with pytest.raises(ValidationError):
            services.data_request_create(by=admin_user, **{
                "kind": "see", "received_on": timezone.localdate(), "records": records,
                **kwargs})
    with pytest.raises(ValidationError):
        services.data_request_create(by=admin_user, kind="see",
                                     received_on=timezone.localdate(),
                                     records=person_records(id_number="110101199001011237"))
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.data_request_create(by=street_staff_dawangzhuang, kind="see",
                                     received_on=timezone.localdate(), records=records)


# ---------------------------------------------------------------------------
# The pages
# ---------------------------------------------------------------------------
def test_the_office_finds_a_person_by_id_number_by_post_and_it_is_logged(client, admin_user,
                                                                        person):
    client.force_login(admin_user)
    page = client.post(reverse("privacy:people"), {"id_number": person["id"].lower()})
    text = page.content.decode()
    assert page.status_code == 200 and NAME in text
    # Masked on the page (but for the number typed, in the forms): the full values are on
    # the records' own logged pages.
    text = re.sub(r"<input[^>]*>", "", text)
    assert person["id"] not in text and person["phones"][1] not in text
    assert person["card"] not in text
    assert reverse("membership:worker_edit", args=[person["worker"].pk]) in text
    entry = AccessLog.objects.order_by("-pk").first()
    assert entry.target_id == str(person["worker"].pk) and person["id"] not in entry.description
    # Record the request from the page.
    response = client.post(reverse("privacy:data_request_create"), {
        "id_number": person["id"], "kind": "see", "received_on": timezone.localdate(),
        "note": ""})
    request = DataRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("privacy:data_request_detail", args=[request.pk])


def test_bad_values_on_the_pages_are_a_400_not_a_500(client, admin_user, person):
    client.force_login(admin_user)
    assert client.post(reverse("privacy:people"), {"id_number": "12345"}).status_code == 400
    not_found = client.post(reverse("privacy:people"), {"id_number": "110101199001011237"})
    assert not_found.status_code == 200 and "person-not-found" in not_found.content.decode()
    bad = client.post(reverse("privacy:data_request_create"), {
        "id_number": person["id"], "kind": "see",
        "received_on": timezone.localdate() + timedelta(days=3)})
    assert bad.status_code == 400
    assert client.post(reverse("privacy:data_request_create"), {
        "id_number": "bad", "kind": "see", "received_on": "x"}).status_code == 400
    request = _delete_request(admin_user, person)
    assert client.post(reverse("privacy:data_request_done", args=[request.pk]),
                       {"done_on": "not a date"}).status_code == 400
    # Erasure without the tick changes nothing.
    client.post(reverse("privacy:data_request_erase", args=[request.pk]))
    request.refresh_from_db()
    assert request.erased_at is None


def test_the_copy_of_a_persons_data_is_one_workbook(client, admin_user, person):
    request = _delete_request(admin_user, person, kind=DataRequest.Kind.SEE)
    client.force_login(admin_user)
    response = client.get(reverse("privacy:data_request_export", args=[request.pk]))
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["职工信息", "会员信息", "入会申请", "补贴", "变更记录", "访问记录"]
    worker_sheet = [[c for c in row] for row in book["职工信息"].iter_rows(values_only=True)]
    assert "身份证号" in worker_sheet[1] and person["id"] in worker_sheet[2]
    history = list(book["变更记录"].iter_rows(values_only=True))
    assert len(history) > 4 and history[1][:3] == ("记录类型", "记录编号", "变更时间")
    assert len(list(book["访问记录"].iter_rows(values_only=True))) >= 3
    entry = AccessLog.objects.order_by("-pk").first()
    assert entry.action == "export" and entry.target_id == str(person["worker"].pk)


def test_the_erasure_from_the_page(client, admin_user, person):
    request = _delete_request(admin_user, person)
    client.force_login(admin_user)
    response = client.post(reverse("privacy:data_request_erase", args=[request.pk]),
                           {"confirm": "erase"}, follow=True)
    assert "data-request-erased" in response.content.decode()
    assert Worker.objects.get(pk=person["worker"].pk).name == "已删除"


def test_other_roles_cannot_open_the_pages(client, person, admin_user, leader,
                                          street_staff_dawangzhuang):
    request = _delete_request(admin_user, person)
    for user in (leader, street_staff_dawangzhuang):
        client.force_login(user)
        assert client.get(reverse("privacy:people")).status_code == 403
        assert client.post(reverse("privacy:people"),
                           {"id_number": person["id"]}).status_code == 403
        for name in ("data_request_detail", "data_request_export"):
            assert client.get(reverse(f"privacy:{name}", args=[request.pk])).status_code == 404
        assert client.post(reverse("privacy:data_request_erase", args=[request.pk]),
                           {"confirm": "erase"}).status_code == 404
    assert DataRequest.objects.get().erased_at is None
