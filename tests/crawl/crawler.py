"""A breadth-first crawl of the portal as one user (STYLE habit 15: every template is
rendered by the crawl on the demo data).

From the home page the crawl follows every same-site <a href> of the pages it gets, then
opens every URL pattern of the project filled with ids of records the user can see
(`Model.objects.for_user(user)`), one id of another scope and one id that does not exist.
It only sends GETs. What it finds is collected, never raised on the way: an answer of 500
or more, a whole ID number, mobile phone or card number on a page of a user without the
full-PII permission, another scope's record answered with anything but a refusal.

How it bounds itself (docs/decisions.md): URLs are grouped by variant, the view's name,
its word arguments (a poster's kind) and the names of its query string's parameters; ids,
dates, page numbers and query values make no new variant. At most PER_VARIANT URLs of a
variant are opened, links first, then ids sampled from the user's records (the first, a
middle and the last). Another scope's id is tried once a pattern, for each user who does
not see everything; an id no record has, once a pattern, by the office and by visitors.
Files (Excel, images) are read to the end, never parsed; once a view has answered with a
file, one more of its URLs at most is fetched. Logout, the language switch and Django's
admin are never opened.

Nothing personal is kept: a finding names the URL, the user name, the status and the
kind of number, never the number.
"""

import re
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

from django.core.exceptions import ValidationError
from django.urls import NoReverseMatch, Resolver404, URLPattern, URLResolver, get_resolver, \
    resolve, reverse

from membership.identifiers import clean_card_number, clean_phone, clean_resident_id

PER_VARIANT = 3
# Views the crawl never opens: they end the session, change the language, or are the
# developers' admin (not a portal page).
SKIP_VIEW_NAMES = {"logout", "set_language"}
SKIP_PATH_PREFIXES = ("/admin/", "/static/", "/media/")
# Refusals: the record is not the user's (404), the role may not open the page (403; 401 for
# the API without its key), the URL takes no GET (405) or the value is malformed (400);
# anonymous visitors are sent to log in (302).
REFUSALS = {400, 401, 403, 404, 405}


@dataclass
class Finding:
    user: str
    url: str
    problem: str

    def __str__(self):
        return f"{self.user:<26} {self.url}  {self.problem}"


@dataclass
class Report:
    findings: list = field(default_factory=list)
    visited: Counter = field(default_factory=Counter)  # user -> pages
    seconds: dict = field(default_factory=dict)  # user -> seconds
    cpu_seconds: dict = field(default_factory=dict)  # user -> seconds of this process's CPU
    unfilled: set = field(default_factory=set)  # patterns the crawl could not fill
    view_seconds: Counter = field(default_factory=Counter)  # view name -> seconds
    view_pages: Counter = field(default_factory=Counter)  # view name -> pages
    refusals_tried: Counter = field(default_factory=Counter)  # user -> ids not theirs tried

    def slowest(self, n=8):
        return ", ".join(f"{name} {seconds:.1f} s / {self.view_pages[name]}"
                         for name, seconds in self.view_seconds.most_common(n))


# ---------------------------------------------------------------------------
# Whole numbers a page of a user without the full-PII permission must not show
# ---------------------------------------------------------------------------
_ID_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_PHONE_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")
_CARD_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])\d{16,19}(?![0-9A-Za-z])")


def _valid(check, value):
    try:
        check(value)
    except ValidationError:
        return False
    return True


def whole_numbers(text):
    """The kinds of whole personal numbers in `text` ("ID number", "phone", "card"),
    checked with the portal's own validators so that other long numbers do not count."""
    kinds = set()
    ids = {m for m in _ID_CANDIDATE.findall(text) if _valid(clean_resident_id, m)}
    if ids:
        kinds.add("ID number")
    if any(_valid(clean_phone, m) for m in _PHONE_CANDIDATE.findall(text)):
        kinds.add("phone")
    # An all-digit ID number passes the card's Luhn check one time in ten: it counts once.
    if any(m not in ids and _valid(clean_card_number, m)
           for m in _CARD_CANDIDATE.findall(text)):
        kinds.add("card")
    return kinds


# ---------------------------------------------------------------------------
# Links and variants
# ---------------------------------------------------------------------------
class _Links(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def same_site_links(html, base):
    """Paths (with their query strings) of the same-site links of a page."""
    parser = _Links()
    parser.feed(html)
    links = []
    for href in parser.hrefs:
        href = href.strip()
        if href.startswith(("#", "mailto:", "tel:", "javascript:", "data:")):
            continue
        parts = urlsplit(urljoin(base, href))
        if parts.netloc not in ("", "testserver") or parts.scheme not in ("", "http", "https"):
            continue
        links.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return links


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,30}")


def variant_of(url):
    """(view name, its word arguments, its query's names), or None for a URL that
    resolves to no view of the project."""
    parts = urlsplit(url)
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    arguments = tuple(sorted(
        (name, value if isinstance(value, str) and _WORD.fullmatch(value) else "#")
        for name, value in match.kwargs.items()))
    query = tuple(sorted({name for name, _ in parse_qsl(parts.query, keep_blank_values=True)}))
    return match.view_name, arguments, query


def skipped(url):
    path = urlsplit(url).path
    if path.startswith(SKIP_PATH_PREFIXES):
        return True
    try:
        return resolve(path).view_name in SKIP_VIEW_NAMES
    except Resolver404:
        return False


# ---------------------------------------------------------------------------
# The project's URL patterns, filled
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Pattern:
    name: str  # "namespace:name"
    arguments: tuple  # the names of its keyword arguments


def project_patterns(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace]))
            yield from project_patterns(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            pattern = entry.pattern
            names = (tuple(getattr(pattern, "converters", {}))
                     or tuple(pattern.regex.groupindex))
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield Pattern(name, names)


def _sample(pks):
    """The first, a middle and the last of sorted ids: PER_VARIANT at most."""
    if len(pks) <= PER_VARIANT:
        return list(pks)
    step = (len(pks) - 1) / (PER_VARIANT - 1)
    return sorted({pks[round(i * step)] for i in range(PER_VARIANT)})


def visible_pks(model, user):
    manager = model.objects
    queryset = manager.for_user(user) if hasattr(manager, "for_user") else manager.all()
    return list(queryset.order_by("pk").values_list("pk", flat=True))


def foreign_pk(model, user):
    """One id of a record `user` may not see, or None (a model without scoping, or a user
    who sees all)."""
    manager = model.objects
    if not hasattr(manager, "for_user"):
        return None
    return (manager.exclude(pk__in=manager.for_user(user).values("pk"))
            .order_by("pk").values_list("pk", flat=True).first())


def missing_pk(model):
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return last + 100_000


# ---------------------------------------------------------------------------
# The crawl
# ---------------------------------------------------------------------------
class Crawl:
    """One user's crawl. `fills(pattern, user)` gives (kwargs, expectation) pairs for a
    pattern with arguments, expectation "open" (the user's own record: any answer < 500,
    within the variant's bound), "foreign" (another scope's record, or a value no record
    has: a refusal) or "missing" (an id no record has, tried with `check_missing` only: a
    refusal); it raises LookupError for a pattern it cannot fill."""

    def __init__(self, *, client, user, label, fills, report, start=("/",), check_pii,
                 check_missing=False):
        self.client = client
        self.client.raise_request_exception = False
        self.user = user
        self.label = label
        self.fills = fills
        self.report = report
        self.start = start
        self.check_pii = check_pii
        self.check_missing = check_missing
        self.seen = set()
        self.per_variant = Counter()
        self.file_views = set()  # views that answered with a file
        self.queue = deque()

    def problem(self, url, text):
        self.report.findings.append(Finding(self.label, url, text))

    def run(self):
        began, cpu = time.monotonic(), time.process_time()
        for url in self.start:
            self.enqueue(url)
        self.drain()
        # Then every pattern of the project, with the user's own records and others'.
        for pattern in project_patterns():
            if pattern.name in SKIP_VIEW_NAMES or pattern.name.startswith("admin:"):
                continue
            try:
                fills = [({}, "open")] if not pattern.arguments else \
                    self.fills(pattern, self.user)
            except LookupError:
                self.report.unfilled.add(pattern.name)
                continue
            for kwargs, expectation in fills:
                if expectation == "missing" and not self.check_missing:
                    continue
                try:
                    url = reverse(pattern.name, kwargs=kwargs)
                except NoReverseMatch:
                    self.report.unfilled.add(pattern.name)
                    continue
                if expectation == "open":
                    self.enqueue(url)  # within the variant's bound, as a link would be
                elif url not in self.seen:
                    self.seen.add(url)
                    response = self.visit(url)
                    self.report.refusals_tried[self.label] += 1
                    if response is not None:
                        self.expect_refusal(url, response)
        self.drain()
        self.report.seconds[self.label] = round(time.monotonic() - began, 1)
        self.report.cpu_seconds[self.label] = round(time.process_time() - cpu, 1)

    def enqueue(self, url):
        if url in self.seen or skipped(url):
            return
        variant = variant_of(url)
        if variant is not None:
            if variant[0] in self.file_views:
                variant = variant[0]  # one file of a view, whatever its query
                limit = 1
            else:
                limit = PER_VARIANT
            if self.per_variant[variant] >= limit:
                return
            self.per_variant[variant] += 1
        self.seen.add(url)
        self.queue.append(url)

    def drain(self):
        while self.queue:
            self.visit(self.queue.popleft())

    def visit(self, url):
        self.report.visited[self.label] += 1
        began = time.monotonic()
        try:
            response = self.client.get(url)
            body = (b"".join(response.streaming_content) if response.streaming
                    else response.content)
        except Exception as error:  # a failure while streaming: reported, not raised
            self.problem(url, f"raised {type(error).__name__} {_where(error)}")
            return None
        finally:
            variant = variant_of(url)
            name = variant[0] if variant else "?"
            self.report.view_seconds[name] += time.monotonic() - began
            self.report.view_pages[name] += 1
        if response.status_code >= 500:
            exc_info = getattr(response, "exc_info", None)
            error = exc_info[1] if exc_info else None
            detail = f" {type(error).__name__} {_where(error)}" if error else ""
            self.problem(url, f"answered {response.status_code}{detail}")
            return response
        content_type = response.get("Content-Type", "")
        if response.status_code in (301, 302, 303, 307, 308):
            location = response["Location"]
            if not location.startswith(("http://", "https://", "//")):
                self.enqueue(urljoin(url, location))
            return response
        is_text = content_type.startswith(("text/html", "application/json", "text/plain"))
        if not is_text or "attachment" in response.get("Content-Disposition", ""):
            variant = variant_of(url)
            if variant is not None:
                self.file_views.add(variant[0])
            return response
        text = body.decode(response.charset or "utf-8", errors="replace")
        if self.check_pii:
            kinds = whole_numbers(text)
            if kinds:
                self.problem(url, f"shows a whole {', '.join(sorted(kinds))}")
        if content_type.startswith("text/html"):
            for link in same_site_links(text, url):
                self.enqueue(link)
        return response

    def expect_refusal(self, url, response):
        status = response.status_code
        if status in REFUSALS:
            return
        if status == 302 and not self.user.is_authenticated:
            return
        if status < 500:  # 500s are reported by visit()
            self.problem(url, f"another scope's or a missing record answered {status}")


def _where(error):
    """The innermost frame of the project's code (or a template's line) of an error,
    without its message (which may quote personal data)."""
    if error is None:
        return ""
    if type(error).__name__ == "VariableDoesNotExist":  # its key, not the object's repr
        return f"(template variable: key {error.params[0]!s})"
    frame, where = error.__traceback__, ""
    while frame is not None:
        filename = frame.tb_frame.f_code.co_filename
        if "/site-packages/" not in filename and "/tests/crawl/" not in filename:
            where = f"at {filename.rsplit('/wt/', 1)[-1]}:{frame.tb_lineno}"
        frame = frame.tb_next
    return where


def today_arguments():
    """Values of a day argument: today, and a day that ends no ten-day period."""
    today = date.today()
    return [today, date(today.year, 1, 5)]
