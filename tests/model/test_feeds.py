"""The feed kinds derived from the record declarations."""

from __future__ import annotations

import pyarrow as pa
import pytest

from ringfence.errors import UserError
from ringfence.model.feeds import feed, feeds
from ringfence.model.records import PROVENANCE_FIELDS, make_id


def test_every_feed_has_provenance_and_a_schema() -> None:
    for spec in feeds().values():
        names = [f.name for f in spec.fields]
        assert names[: len(PROVENANCE_FIELDS)] == list(PROVENANCE_FIELDS)
        assert isinstance(spec.schema, pa.Schema)
        assert spec.schema.field("id").nullable is False


def test_canonical_party_columns_match_the_documented_format() -> None:
    columns = [f.canonical_column for f in feed("parties").data_fields]
    expected = ["id", "schema", "name", "street", "city", "postcode", "country", "phone"]
    assert columns[: len(expected)] == expected
    assert {"email", "identifier"} <= set(columns)


def test_references_name_their_target_feed() -> None:
    shipments = feed("declarations")
    assert shipments.name == "shipments"
    assert shipments.field("shipper").ref_feed == "parties"
    assert feed("listings").field("seller_ref").ref_feed == "sellers"


def test_unknown_feed_is_a_user_error() -> None:
    with pytest.raises(UserError, match="unknown feed"):
        feed("spaceships")


def test_ids_are_deterministic_and_scoped_by_source() -> None:
    a = make_id("customs", "shipments", "123")
    assert a == make_id("customs", "shipments", "123")
    assert a != make_id("carrier", "shipments", "123")
    assert a != make_id("customs", "parties", "123")
