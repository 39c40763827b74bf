"""The arguments the crawl puts into the project's URL patterns.

An id argument (`pk`) takes ids of the record the URL's name starts with (`unit_edit`:
a unit), or of the record named in MODEL_OF when the name says it otherwise. A new URL
whose record the crawl cannot tell is reported by the crawl test: add it here.
"""

from datetime import date, timedelta

from django.apps import apps
from django.utils import timezone

from tests.crawl.crawler import _sample, foreign_pk, missing_pk, visible_pks

PROJECT_APPS = ("accounts", "membership", "applications", "reporting", "subsidies", "privacy")

# URL-name prefixes (longest wins) whose record is not the one their name starts with.
MODEL_OF = {
    "membership:federation_": "membership.IndustryFederation",
    "membership:import_": "membership.ImportRun",
    "subsidies:year_": "subsidies.ProgrammeYear",
    "reporting:milestone_": "reporting.MilestoneReport",
    "applications:": "applications.Application",
}


def _snake(name):
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def _models_by_snake_name():
    return {_snake(model.__name__): model for model in apps.get_models()
            if model._meta.app_label in PROJECT_APPS and not model.__name__.startswith(
                "Historical")}


def model_of(url_name):
    """The model whose ids fill `url_name`'s pk; LookupError if none can be told."""
    overrides = [prefix for prefix in MODEL_OF if url_name.startswith(prefix)]
    if overrides:
        return apps.get_model(MODEL_OF[max(overrides, key=len)])
    name = url_name.rsplit(":", 1)[-1]
    found = [snake for snake in _models_by_snake_name()
             if name == snake or name.startswith(f"{snake}_")]
    if not found:
        raise LookupError(url_name)
    return _models_by_snake_name()[max(found, key=len)]


def _record_fills(model, user, **extra):
    fills = [({**extra, "pk": pk}, "open") for pk in _sample(visible_pks(model, user))]
    foreign = foreign_pk(model, user)
    if foreign is not None:
        fills.append(({**extra, "pk": foreign}, "foreign"))
    fills.append(({**extra, "pk": missing_pk(model)}, "missing"))
    return fills


def _days():
    """A ten-day period's last day of this year, and a day that ends no period."""
    from reporting.periods import last_closed_period

    today = timezone.localdate()
    closed = last_closed_period(today)
    return [({"end": closed.end}, "open"),
            ({"end": closed.end - timedelta(days=1)}, "missing"),
            ({"end": date(today.year + 5, 1, 10)}, "missing")]


def _posters(pattern, user):
    """Posters are public: any community's or street's, whoever asks."""
    from membership.models import Community, Street

    fills = []
    for kind, model in (("community", Community), ("street", Street)):
        pks = _sample(list(model.objects.order_by("pk").values_list("pk", flat=True)))
        formats = [{"fmt": "png"}, {"fmt": "svg"}] if "fmt" in pattern.arguments else [{}]
        fills += [({"kind": kind, "pk": pk, **fmt}, "open") for pk in pks[:1]
                  for fmt in formats]
        fills += [({"kind": kind, "pk": missing_pk(model), **formats[0]}, "missing")]
    return fills


def _application_numbers(pattern, user):
    from applications.models import Application

    numbers = list(Application.objects.order_by("pk").values_list("number", flat=True)[:1])
    return [({"number": n}, "open") for n in numbers] + [({"number": "NOPE-0000"}, "missing")]


def _import_templates(pattern, user):
    from membership.models.imports import ImportKind

    return [({"kind": kind}, "open") for kind in ImportKind.values] + \
        [({"kind": "nothing"}, "missing")]


def _features(pattern, user):
    from accounts.navigation import FEATURES

    closed = [f.slug for f in FEATURES if not f.is_open]
    return [({"slug": slug}, "open") for slug in closed[:1]] + [({"slug": "nothing"}, "missing")]


def _api_keys(pattern, user):
    """The office's keys for outside systems: the demo data has none, so the crawl makes
    one through the office's own service; every other role is refused."""
    from accounts.models import ApiKey, Role, User
    from accounts.services import api_key_create

    key = ApiKey.objects.order_by("pk").first()
    if key is None:
        office = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
        key, _ = api_key_create(by=office, name="巡检用密钥")
    own = user.is_authenticated and user.role == Role.ADMIN
    return [({"prefix": key.prefix}, "open" if own else "foreign"),
            ({"prefix": "NOPE0000"}, "missing")]


def _data_requests(pattern, user):
    """A person's request (PIPL Art. 44-47): the demo data has none, so the crawl records
    one, to see, through the office's own service; every other role is refused."""
    from accounts.models import Role, User
    from membership.models import Worker
    from privacy.models import DataRequest
    from privacy.selectors import person_records
    from privacy.services import data_request_create

    request = DataRequest.objects.order_by("pk").first()
    if request is None:
        office = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
        request = data_request_create(
            by=office, kind=DataRequest.Kind.SEE, received_on=timezone.localdate(),
            records=person_records(worker=Worker.objects.order_by("pk").first()))
    own = user.is_authenticated and user.role == Role.ADMIN
    return [({"pk": request.pk}, "open" if own else "foreign"),
            ({"pk": missing_pk(DataRequest)}, "missing")]


# Patterns whose arguments are not a record's id alone.
SPECIAL = {
    "applications:poster": _posters,
    "applications:poster_qr": _posters,
    "api:application_status": _application_numbers,
    "membership:import_template": _import_templates,
    "feature_unavailable": _features,
    "office:api_key_detail": _api_keys,
    "office:api_key_revoke": _api_keys,
    "privacy:data_request_detail": _data_requests,
    "privacy:data_request_export": _data_requests,
    "privacy:data_request_done": _data_requests,
    "privacy:data_request_erase": _data_requests,
}


def fills(pattern, user):
    if pattern.name in SPECIAL:
        return SPECIAL[pattern.name](pattern, user)
    arguments = set(pattern.arguments)
    if arguments == {"end"}:
        return _days()
    if arguments == {"pk"}:
        return _record_fills(model_of(pattern.name), user)
    raise LookupError(pattern.name)
