"""Hubs: a contact written with many different names (a forwarder's phone and warehouse)."""

from __future__ import annotations

import pyarrow as pa
from splink import DuckDBAPI, Linker

from ringfence.resolve.model import HUB_LABEL, _floor_probabilities, settings_creator
from ringfence.resolve.prepare import HUB_NAMES, hub_flags, prepare_mentions

NAMES = ["Ahmet Aydin", "Emre Sahin", "Mehmet Yilmaz", "Burak Celik", "Elif Kaya", "Deniz Dis"]


def _parties(phones: list[str | None], names: list[str]) -> pa.Table:
    n = len(names)
    return pa.table(
        {
            "id": [f"p{i}" for i in range(n)],
            "schema_": ["Person"] * n,
            "name": names,
            "phone": phones,
            "street": ["175 Merter Cad."] * n,
            "postcode": ["16205"] * n,
            "city": ["Istanbul"] * n,
            "country": ["TR"] * n,
        }
    )


def test_a_contact_with_many_names_is_a_hub_and_one_partys_spellings_are_not() -> None:
    hub = "+905334951556"
    own = ["Ahmet Aydin", "AHMET AYDIN", "Aydin Ahmet", "Ahmet Aydın", "Ahmet  Aydin"]
    table = _parties([hub] * HUB_NAMES + ["+905550000000"] * len(own), NAMES[:HUB_NAMES] + own)
    cleaned = prepare_mentions(table)
    flags = cleaned.column("phone_hub").to_pylist()
    assert flags == [True] * HUB_NAMES + [False] * len(own)
    assert cleaned.column("address_hub").to_pylist() == [True] * len(flags)


def test_hub_flags_ignore_missing_values() -> None:
    values = pa.array([None, None, "x"], pa.string())
    names = pa.array(["a", "b", "c"], pa.string())
    assert hub_flags(values, names).to_pylist() == [False, False, False]


def test_sharing_a_hub_under_different_names_weighs_nothing() -> None:
    cleaned = prepare_mentions(_parties(["+905334951556"] * len(NAMES), NAMES))
    linker = Linker(DuckDBAPI().register(cleaned), settings_creator(), log_level=None)
    levels = [
        level
        for comparison in linker._settings_obj.comparisons
        for level in comparison.comparison_levels
        if not level.is_null_level
    ]
    for level in levels:  # as if training had found every level strong evidence
        level.m_probability, level.u_probability = 0.04, 0.002
    _floor_probabilities(linker)
    hubs = [level for level in levels if (level._label_for_charts or "").startswith(HUB_LABEL)]
    assert len(hubs) == 3  # phone, e-mail, address
    assert all(level.m_probability == level.u_probability for level in hubs)
    assert all(level.m_probability > level.u_probability for level in levels if level not in hubs)
