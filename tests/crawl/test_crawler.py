"""The crawl's own parts: what counts as a whole personal number, which links it follows,
and how it groups URLs (tests/crawl/crawler.py)."""

import random
from datetime import date

from membership import fakes
from tests.crawl.crawler import same_site_links, variant_of, whole_numbers

RNG = random.Random(15)


def test_whole_numbers_are_found_by_their_check_digits():
    resident_id = fakes.resident_id(RNG, birth_date=date(1990, 3, 7))
    card = fakes.card_number(RNG)
    assert whole_numbers(f"<td>{resident_id}</td>") == {"ID number"}
    assert whole_numbers("<td>13802211234</td>") == {"phone"}
    assert whole_numbers(f"<td>{card}</td>") == {"card"}


def test_masked_and_other_long_numbers_are_not_personal():
    resident_id = fakes.resident_id(RNG, birth_date=date(1990, 3, 7))
    wrong_check = resident_id[:17] + ("0" if resident_id[17] != "0" else "1")
    card = fakes.card_number(RNG)
    wrong_card = card[:-1] + str((int(card[-1]) + 1) % 10)
    masked = f"{resident_id[:6]}********{resident_id[-4:]} 138****1234 {card[:4]}****{card[-4:]}"
    assert whole_numbers(masked) == set()
    assert whole_numbers(f"{wrong_check} {wrong_card} HD2026000123 21380221123 "
                         f"{fakes.credit_code(RNG)} x13802211234") == set()


def test_only_same_site_links_are_followed():
    html = ('<a href="/orgs/units/?page=2">next</a><a href="https://example.org/">x</a>'
            '<a href="#top">top</a><a href="mailto:a@b.c">m</a><a href="3/">rel</a>')
    assert same_site_links(html, "/orgs/units/") == ["/orgs/units/?page=2", "/orgs/units/3/"]


def test_ids_and_query_values_make_no_new_variant():
    assert variant_of("/orgs/units/1/") == variant_of("/orgs/units/2/")
    assert variant_of("/orgs/units/?street=1") == variant_of("/orgs/units/?street=2")
    assert variant_of("/orgs/units/?street=1") != variant_of("/orgs/units/?sector=logistics")
    assert variant_of("/nowhere/") is None
