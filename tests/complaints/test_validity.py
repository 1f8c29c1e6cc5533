"""Validity: bad-faith notices are recognised (authorised seller, genuine-range price, a burst
against unrelated sellers, a complainant whose notices were mostly rejected, a listing that does
not claim the brand); good-faith ones pass (far-below price, unauthorised seller, no code shown,
border seizures); the history counts only what was known on the filing day."""

from __future__ import annotations

import dataclasses

import pytest

from ringfence.complaints.history import History, Notice, Related
from ringfence.complaints.validity import ComplaintFacts, score

# A plain notice: the listing claims the brand, its seller is not authorised, price 70% of the
# lowest genuine price (neither far below nor genuine), nothing else known.
PLAIN = ComplaintFacts(brand="NorthPeak", listing_claims_brand=True, gtin_of_brand=False,
                       brand_in_catalogue=True, authorised=False, price_ratio=0.7,
                       complainant="NorthPeak Outdoor AS")  # fmt: skip


def _with(**changes: object) -> ComplaintFacts:
    return dataclasses.replace(PLAIN, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("facts", "words"),
    [
        (_with(authorised=True), "authorised seller of NorthPeak"),
        (_with(price_ratio=1.2, authorised=True), "genuine range"),
        (_with(listing_claims_brand=False), "claims neither NorthPeak"),
        (_with(burst_sellers=12), "12 unrelated sellers within 7 days"),
        (_with(past_decided=20, past_rejected=12), "12 of 20 past notices"),
        (_with(gtin_of_brand=True, seller_age_days=800), "grey-market reseller"),
    ],
)
def test_bad_faith_notices_are_recognised(facts: ComplaintFacts, words: str) -> None:
    got = score(facts)
    assert not got.valid and got.score < 0.5
    assert words in got.text


@pytest.mark.parametrize(
    ("facts", "words"),
    [
        (_with(price_ratio=0.2), "priced at 20% of the lowest genuine price"),
        (_with(), "not an authorised seller of NorthPeak"),
        (_with(no_code_shown=True, price_ratio=1.0), "showed no valid code"),
        (_with(border_seizures=2, price_ratio=1.0), "2 border seizures"),
        (_with(seller_upheld=3, price_ratio=1.0), "3 earlier notices against the seller upheld"),
    ],
)
def test_good_faith_notices_pass(facts: ComplaintFacts, words: str) -> None:
    got = score(facts)
    assert got.valid and got.score >= 0.5
    assert words in got.text


def test_reasons_are_ordered_by_strength_and_signed() -> None:
    got = score(_with(authorised=True, price_ratio=0.2))
    assert got.reasons[0].startswith("the seller is an authorised seller") and "(-3.5)" in got.text
    assert got.reasons[1].endswith("(+2.0)")


def test_burst_counts_linked_accounts_once_and_only_within_the_week() -> None:
    related = Related([("s1", "s2"), ("s2", "s3")])  # one ring of three accounts
    history = History(related)
    for i, seller in enumerate(["s1", "s2", "s3", "a", "b"]):
        history.add(Notice("Brand", seller, filed=100 + i % 2, decision="pending"))
    history.add(Notice("Brand", "old", filed=90, decision="pending"))  # outside the week
    history.add(Notice("Other", "c", filed=100, decision="pending"))  # another complainant
    assert history.burst("brand", "d", 101) == 4  # ring, a, b, d


def test_record_counts_decisions_made_before_the_day_only() -> None:
    history = History()
    history.add(Notice("Agent", "s1", filed=10, decision="rejected", decided=12))
    history.add(Notice("Agent", "s2", filed=10, decision="upheld", decided=20))
    history.add(Notice("Agent", "s3", filed=11, decision="pending"))
    history.add(Notice("Agent", "s4", filed=11, decision="withdrawn", decided=13))
    assert history.record("agent", 15) == (1, 1)
    assert history.record("agent", 21) == (2, 1)
    assert history.seller_upheld("s2", 20) == 0 and history.seller_upheld("s2", 21) == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"seller_age_days": 40},  # a new account: no trading record
        {"seller_age_days": None},  # opening date unknown
        {"gtin_of_brand": False},  # not the brand's own product number
        {"price_ratio": 0.3},  # far below: the counterfeit price
        {"seller_upheld": 1},  # a notice against the seller was upheld before
        {"border_seizures": 1},
        {"no_code_shown": True},
    ],
)
def test_the_grey_market_profile_needs_every_part(changes: dict[str, object]) -> None:
    grey = _with(gtin_of_brand=True, seller_age_days=800)
    assert "grey-market" in score(grey).text and not score(grey).valid
    other = dataclasses.replace(grey, **changes)  # type: ignore[arg-type]
    assert "grey-market" not in score(other).text
