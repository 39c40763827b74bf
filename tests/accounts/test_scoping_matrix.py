"""Every role against every other scope's records, on every list, detail, edit and export
URL (SPEC §1: another scope's record is a 404, never the record)."""

import io

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook

from membership.models import Community, IndustryFederation, Union

ROLES = [
    "admin_user", "leader", "street_staff_dawangzhuang", "community_staff_dawangzhuang",
    "industry_staff_property", "liaison_zhujianwei",
]

# The records of the matrix: 'a' sits in 大王庄 / its first community / property (区住建委);
# 'b' in 大直沽 / its first community / private education (区教育局).
OBJECTS = {
    "union_a": lambda f: f("union_dawangzhuang_property"),
    "union_b": lambda f: f("union_dazhigu_education"),
    "street_a": lambda f: f("dawangzhuang"),
    "street_b": lambda f: f("dazhigu"),
    "community_a": lambda f: f("dawangzhuang_community"),
    "community_b": lambda f: f("dazhigu_community"),
    "federation_a": lambda f: f("property_federation"),
    "federation_b": lambda f: f("education_federation"),
}

ALL = set(OBJECTS)
# What each role may open and what it may change.
VISIBLE = {
    "admin_user": ALL,
    "leader": ALL,
    "street_staff_dawangzhuang": {"union_a", "street_a", "community_a"},
    "community_staff_dawangzhuang": {"union_a", "community_a"},
    "industry_staff_property": {"union_a", "federation_a"},
    "liaison_zhujianwei": {"union_a", "federation_a"},
}
WRITABLE = {
    "admin_user": {"union_a", "union_b", "street_a", "street_b", "community_a", "community_b"},
    "leader": set(),
    "street_staff_dawangzhuang": {"union_a", "community_a"},
    "community_staff_dawangzhuang": set(),
    "industry_staff_property": {"union_a"},
    "liaison_zhujianwei": set(),
}

# Every URL that takes a record id: (url name, kind of record, read or write).
DETAIL_ROUTES = [
    ("membership:street_detail", "street", "read"),
    ("membership:street_edit", "street", "write"),
    ("membership:community_detail", "community", "read"),
    ("membership:community_edit", "community", "write"),
    ("membership:union_detail", "union", "read"),
    ("membership:union_edit", "union", "write"),
    ("membership:federation_detail", "federation", "read"),
]
# Every list or export URL, with the model whose records it lists and how to read names.
LIST_ROUTES = [
    ("membership:union_list", "union", "html"),
    ("membership:union_export", "union", "xlsx"),
    ("membership:street_list", "street", "html"),
    ("membership:federation_list", "federation", "html"),
]
UNSCOPED_ROUTES = {"membership:union_create"}  # no record to leak; write rights tested apart


def _named_patterns(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in ("membership",):
                yield from _named_patterns(pattern, pattern.namespace)
        elif isinstance(pattern, URLPattern) and namespace and pattern.name:
            yield f"{namespace}:{pattern.name}"


def test_the_matrix_covers_every_scoped_url():
    """A new URL fails this test until it is added to the matrix."""
    covered = {r[0] for r in DETAIL_ROUTES} | {r[0] for r in LIST_ROUTES} | UNSCOPED_ROUTES
    assert set(_named_patterns()) == covered


def _login(client, request, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    return user


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route,kind,mode", DETAIL_ROUTES)
@pytest.mark.parametrize("side", ["a", "b"])
def test_detail_and_edit_urls_are_404_outside_the_scope(client, request, role, route, kind,
                                                         mode, side):
    _login(client, request, role)
    key = f"{kind}_{side}"
    obj = OBJECTS[key](request.getfixturevalue)
    response = client.get(reverse(route, args=[obj.pk]))
    allowed = VISIBLE[role] if mode == "read" else WRITABLE[role]
    if key in allowed:
        assert response.status_code == 200
        assert obj.name in response.content.decode()
    else:
        assert response.status_code == 404
        assert obj.name not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_posting_an_edit_outside_the_scope_changes_nothing(client, request, role):
    _login(client, request, role)
    union = request.getfixturevalue("union_dazhigu_education")
    response = client.post(reverse("membership:union_edit", args=[union.pk]), {
        "name": "改名", "form": "enterprise", "street": union.street_id,
        "industry_federation": union.industry_federation_id,
    })
    union.refresh_from_db()
    if "union_b" in WRITABLE[role]:
        assert response.status_code == 302
        assert union.name == "改名"
    else:
        assert response.status_code == 404
        assert union.name == "大直沽启明培训学校工会"


def _listed_names(response, fmt):
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
        return " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c)
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route,kind,fmt", LIST_ROUTES)
def test_lists_and_exports_hold_only_the_scope(client, request, role, route, kind, fmt):
    _login(client, request, role)
    objs = {side: OBJECTS[f"{kind}_{side}"](request.getfixturevalue) for side in "ab"}
    response = client.get(reverse(route))
    assert response.status_code == 200
    text = _listed_names(response, fmt)
    for side, obj in objs.items():
        # A street is listed by its federation's name; its bare name also labels filters.
        name = obj.federation_name if kind == "street" else obj.name
        assert (name in text) == (f"{kind}_{side}" in VISIBLE[role])


@pytest.mark.django_db
def test_for_user_is_the_one_door(street_staff_dawangzhuang, dawangzhuang,
                                  union_dawangzhuang_property, union_dazhigu_education):
    visible = Union.objects.for_user(street_staff_dawangzhuang)
    assert union_dawangzhuang_property in visible
    assert union_dazhigu_education not in visible
    assert set(visible.values_list("street_id", flat=True)) == {dawangzhuang.pk}
    # 大王庄 has 14 communities in the district's data.
    assert Community.objects.for_user(street_staff_dawangzhuang).count() == 14
    assert not IndustryFederation.objects.for_user(street_staff_dawangzhuang).exists()


@pytest.mark.django_db
def test_anonymous_and_inactive_users_see_nothing(street_staff_dawangzhuang,
                                                  union_dawangzhuang_property):
    from django.contrib.auth.models import AnonymousUser

    assert not Union.objects.for_user(AnonymousUser()).exists()
    street_staff_dawangzhuang.is_active = False
    assert not Union.objects.for_user(street_staff_dawangzhuang).exists()


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_login(client, union_dawangzhuang_property):
    for url in [reverse("home"), reverse("membership:union_list"),
                reverse("membership:union_export"),
                reverse("membership:union_detail", args=[union_dawangzhuang_property.pk])]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
