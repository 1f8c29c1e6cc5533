"""The queue row's forms without a browser: the Seized and Change… forms start from the
declaration, and the brand pick-list offers registered brands first, then the other brands
the caller's seizures already name, marked "(not registered)"."""

from __future__ import annotations

from html.parser import HTMLParser
from types import SimpleNamespace
from typing import Any

from ringfence.web.render import TEMPLATES

SHIPMENT = {
    "tracking_number": "4000000034",
    "description": "Auricle Pro wireless earbuds",
    "quantity": 40.0,
    "declared_value": 312.5,
    "currency": "USD",
}


def _task(outcomes: list[Any], status: str = "open") -> Any:
    return SimpleNamespace(
        id=7, shipment_id="s-1", target_date="2025-02-04", rank=1, probability=0.2,
        label="counterfeit", value_at_stake=62.5, selected_by="model", selection_probability=1.0,
        reasons={}, port="NLAMS", status=status, shipment=SHIPMENT, outcomes=outcomes,
        closed_at=None,
    )  # fmt: skip


class _Forms(HTMLParser):
    """Each form with a data-testid: its inputs' values, its brand options and the chosen one."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, Any]] = {}
        self._form: dict[str, Any] | None = None
        self._option: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form" and a.get("data-testid"):
            self._form = self.forms.setdefault(str(a["data-testid"]), {"options": []})
        elif self._form is not None and tag == "input" and a.get("name"):
            self._form[str(a["name"])] = a.get("value") or ""
        elif self._form is not None and tag == "option":
            self._option = {"value": a.get("value"), "text": "", "selected": "selected" in a}
            self._form["options"].append(self._option)

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._option is not None:
            option, self._option = self._option, None
            if option["value"] is None:
                option["value"] = option["text"]
            if option["selected"] and self._form is not None:
                self._form["brand"] = option["value"]
        elif tag == "form":
            self._form = None


def _row(task: Any, brands: list[str], other_brands: list[str]) -> dict[str, dict[str, Any]]:
    html = TEMPLATES.env.get_template("partials/queue_row.html").render(
        task=task, results=(("seized", True, "Seized"), ("irregular", True, "Irregular"),
                            ("clear", False, "Clear")),
        can_record=True, brands=brands, other_brands=other_brands, value_currency="EUR",
        back="/queue", notice="", csrf="token",
    )  # fmt: skip
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def test_the_change_form_starts_from_the_declaration_like_the_seized_form() -> None:
    clear = SimpleNamespace(
        id=3, label="counterfeit", positive=False, result="clear", details={},
        recorded_by="officer@customs", recorded_at=None, changed_at=None, undo_until=None,
    )  # fmt: skip
    row = _row(_task([clear], status="done"), ["NorthPeak"], ["Auricle"])
    fields = row["change-form"]
    assert fields["goods_found"] == SHIPMENT["description"]
    assert fields["units"] == "40" and float(fields["value"]) == 312.5
    assert fields["currency"] == "USD" and fields["brand"] == "Auricle"


def test_the_change_form_keeps_what_was_recorded() -> None:
    seized = SimpleNamespace(
        id=3, label="counterfeit", positive=True, result="seized",
        details={"brand": "NorthPeak", "goods_found": "beanies", "units": 5},
        recorded_by="officer@customs", recorded_at=None, changed_at=None, undo_until=None,
    )  # fmt: skip
    row = _row(_task([seized], status="done"), ["NorthPeak"], ["Auricle"])
    fields = row["change-form"]
    recorded = (fields["brand"], fields["goods_found"], fields["units"])
    assert recorded == ("NorthPeak", "beanies", "5")
    assert float(fields["value"]) == 312.5  # not recorded: the declaration's


def test_known_brands_are_offered_after_registered_ones_marked_not_registered() -> None:
    row = _row(_task([]), ["Glacier Line", "NorthPeak"], ["Auricle", "Tindra"])
    form = row["seize-form"]
    options = [o["text"] for o in form["options"]]
    assert options == [
        "No brand / not known", "Glacier Line", "NorthPeak",
        "Auricle (not registered)", "Tindra (not registered)",
    ]  # fmt: skip
    assert form["brand"] == "Auricle"  # guessed from the description
    assert form["goods_found"] == SHIPMENT["description"]


def test_a_watchlisted_party_is_red_even_on_a_network_path() -> None:
    from ringfence.web.risk import reason_kind

    assert reason_kind("Network path from the shipper: watchlisted by bazaar") == "watchlist"
    assert reason_kind("Network path from the shipper: 2 hops to a confirmed one") == "network"
    assert reason_kind("The shipper is on a partner's watchlist") == "watchlist"


def test_a_task_ranked_above_a_riskier_one_says_it_was_picked_for_its_value() -> None:
    from ringfence.web.risk import picked_for_value

    def task(id_: int, rank: int, p: float, by: str = "model") -> Any:
        return SimpleNamespace(id=id_, rank=rank, probability=p, selected_by=by)

    tasks = [task(1, 1, 0.30), task(2, 2, 0.001), task(3, 3, 0.10), task(4, 4, 0.05),
             task(5, 5, 0.90, "explore")]  # fmt: skip
    assert picked_for_value(tasks) == {2}  # above task 3 (10 %); explored ones don't count
    assert picked_for_value([task(1, 1, 0.3), task(2, 2, 0.2)]) == set()
    html = TEMPLATES.env.get_template("partials/queue_row.html").render(
        task=_task([]), results=(), can_record=False, brands=[], value_currency="EUR",
        for_value={7}, csrf="token", back="",
    )  # fmt: skip
    assert 'data-testid="picked-for-value"' in html and "(62 EUR)" in html


def test_the_ingest_form_defaults_to_the_organisations_only_mapping_for_a_feed() -> None:
    from ringfence.service.views.ingest import own_mappings
    from ringfence.service.views.ingest_choices import MappingChoice

    def choice(name: str, feed: str, registered: bool = False) -> MappingChoice:
        return MappingChoice(name=name, feed=feed, description="", registered=registered)

    offered = [
        choice("sim-swiftpost-shipments", "shipments"),  # shipped for swiftpost
        choice("mine-a", "watchlist", True), choice("mine-b", "watchlist", True),
        choice("generic", "sellers"),  # shipped for anyone: not the organisation's own
    ]  # fmt: skip
    assert own_mappings("swiftpost", offered) == {"shipments": "sim-swiftpost-shipments"}
    assert own_mappings("bazaar", offered) == {}


def test_a_refused_second_outcome_is_said_in_words_with_the_tracking_number() -> None:
    import datetime as dt

    from ringfence.web.pages.queue import conflict_words

    at = dt.datetime.now(dt.UTC).replace(hour=8, minute=8)
    clear = SimpleNamespace(result="clear", recorded_by="officer@customs", recorded_at=at)
    text = conflict_words(_task([clear], status="done"))
    assert text == (
        "Shipment 4000000034 already recorded: Clear — by officer@customs at 08:08 UTC. "
        "Use Change… to correct it."
    )
    assert "task 7" not in text and "'counterfeit'" not in text
