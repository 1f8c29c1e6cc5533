"""Listing actions filtered in the query: a check of one listing, seller or action sees its own
rows however many newer actions the marketplace has taken on others (it read the newest 10,000
and filtered after, so an older take-down was missed and the same listing could be removed
again, one more strike against its seller)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ringfence.complaints.service import _not_down
from ringfence.errors import ConflictError
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore
from ringfence.store.operational.listings import ActionDraft
from ringfence.store.operational.tables import utcnow


def _act(store: OperationalStore, org: str, kind: str, **target: str) -> int:
    draft = ActionDraft(organisation=org, kind=kind, reason="test",
                        expires_at=utcnow() + timedelta(days=30), **target)  # fmt: skip
    return store.take_listing_action(draft, actor="analyst@test").id


@pytest.fixture
def store(db_settings: Settings):
    with OperationalStore.open(db_settings) as opened:
        opened.ensure_organisation("mkt", kind="marketplace")
        opened.ensure_organisation("other-mkt", kind="marketplace")
        yield opened


def test_one_listing_seller_or_action_is_found_behind_newer_actions(
    store: OperationalStore,
) -> None:
    old_take_down = _act(store, "mkt", "take_down", listing="L1", seller="S1")
    old_suspend = _act(store, "mkt", "suspend", seller="S9")
    for i in range(5):  # newer actions on other listings and sellers
        _act(store, "mkt", "hold", listing=f"L{i + 2}", seller=f"S{i + 2}")
    other = _act(store, "other-mkt", "take_down", listing="L1", seller="S1")

    assert [a.id for a in store.listing_actions("mkt", limit=1)] != [old_take_down]
    assert [a.id for a in store.listing_actions("mkt", listing="L1", limit=1)] == [old_take_down]
    got = store.listing_actions("mkt", seller="S9", kind="suspend", limit=1)
    assert [a.id for a in got] == [old_suspend]
    assert store.listing_actions("mkt", listing="L1", kind="hold") == []
    assert [a.id for a in store.listing_actions("mkt", action_id=old_take_down)] == [old_take_down]
    # another marketplace's action is not found through this one's id filter
    assert store.listing_actions("mkt", action_id=other) == []


def test_a_take_down_in_force_refuses_a_second_removal(store: OperationalStore) -> None:
    _act(store, "mkt", "take_down", listing="L1", seller="S1")
    for i in range(3):
        _act(store, "mkt", "hold", listing=f"L{i + 2}", seller=f"S{i + 2}")
    with pytest.raises(ConflictError, match="already has a take-down in force"):
        _not_down(store, "mkt", "L1")
    _not_down(store, "mkt", "L2")  # a hold is not a take-down
    _not_down(store, "other-mkt", "L1")  # nor is another marketplace's


def test_several_listings_at_once_behind_newer_actions(store: OperationalStore) -> None:
    """The queue page reads the actions of its own listings (a list), not the newest N."""
    first = _act(store, "mkt", "take_down", listing="L1", seller="S1")
    third = _act(store, "mkt", "hold", listing="L3", seller="S3")
    for i in range(4):
        _act(store, "mkt", "hold", listing=f"N{i}", seller=f"T{i}")
    _act(store, "other-mkt", "take_down", listing="L3", seller="S3")
    got = store.listing_actions("mkt", listing=["L1", "L3", "L9"], limit=10)
    assert sorted(a.id for a in got) == sorted([first, third])
    assert store.listing_actions("mkt", listing=[], limit=10) == []


def test_several_sellers_at_once_behind_newer_actions(store: OperationalStore) -> None:
    """An entity's page reads its seller accounts' actions (a list), not the newest N."""
    first = _act(store, "mkt", "take_down", listing="L1", seller="S1")
    for i in range(4):
        _act(store, "mkt", "hold", listing=f"N{i}", seller=f"T{i}")
    _act(store, "other-mkt", "take_down", listing="L2", seller="S1")
    got = store.listing_actions("mkt", seller=["S1", "S9"], limit=10)
    assert [a.id for a in got] == [first]
    assert store.listing_actions("mkt", seller=[], limit=10) == []
    both = store.listing_actions(["mkt", "other-mkt"], seller=["S1"], limit=10)
    assert len(both) == 2 and both[0].id > both[1].id  # newest first


def test_an_entitys_page_reads_its_own_actions_not_the_newest_n(
    store: OperationalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The investigator's entity page (investigate.linked) listed the actions on the entity's
    listings and seller accounts found among the marketplace's newest 10,000: past that, an
    older take-down vanished from the page. Emulated here with the store's default read cut
    to 3 newest: the page still shows both of the entity's older actions, newest first."""
    from types import SimpleNamespace

    from ringfence.investigate import linked

    on_listing = _act(store, "mkt", "take_down", listing="L1", seller="S7")
    on_seller = _act(store, "mkt", "suspend", seller="S1")
    for i in range(5):
        _act(store, "mkt", "hold", listing=f"N{i}", seller=f"T{i}")
    read = store.listing_actions

    def newest_three(*args: object, limit: int = 3, **kwargs: object) -> list:
        return read(*args, limit=limit, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "listing_actions", newest_three)
    monkeypatch.setattr(linked.sharing, "visible", lambda s, c, n, rows, policy: rows)
    out = linked.Linked(entity={}, listings=[{"id": "L1"}], sellers=[{"id": "S1"}])
    policy = SimpleNamespace(owners=lambda dataset: ["mkt"])
    got = linked._actions(SimpleNamespace(store=store), None, policy, out)  # type: ignore[arg-type]
    assert [a["id"] for a in got] == [on_seller, on_listing]
