"""Hubs: a contact written with many different names (a forwarder's phone and warehouse)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
from splink import DuckDBAPI, Linker

from ringfence.resolve.compare import compare_pairs
from ringfence.resolve.model import (
    HUB_LABEL,
    _floor_probabilities,
    load_hubs,
    save_model,
    settings_creator,
)
from ringfence.resolve.prepare import (
    HUB_NAMES,
    hub_flags,
    hub_values,
    mark_hubs,
    prepare_mentions,
)
from ringfence.settings import Settings

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


def _trained_linker(cleaned: pa.Table) -> Linker:
    """A model in which every level but "differs" is strong evidence (floored as resolve does)."""
    linker = Linker(DuckDBAPI().register(cleaned), settings_creator(), log_level=None)
    for comparison in linker._settings_obj.comparisons:
        for level in comparison.comparison_levels:
            if not level.is_null_level:
                level.m_probability, level.u_probability = 0.3, 0.002
    _floor_probabilities(linker)
    return linker


def test_hub_values_are_saved_with_the_model_and_mark_a_pair_file(tmp_path: Path) -> None:
    hub = "+905334951556"
    cleaned = prepare_mentions(_parties([hub] * len(NAMES), NAMES))
    settings = Settings(data_dir=tmp_path)
    save_model(_trained_linker(cleaned), settings, {}, hub_values(cleaned))
    hubs = load_hubs(settings)
    assert hubs["phone"].to_pylist() == [hub]
    assert "email" not in hubs  # no e-mail written: nothing saved for it
    pair = prepare_mentions(_parties([hub, hub], NAMES[:2]))
    assert pair.column("phone_hub").to_pylist() == [False, False]  # two names: no hub alone
    assert mark_hubs(pair, hubs).column("phone_hub").to_pylist() == [True, True]


def test_compare_parties_trained_judges_a_hub_as_resolve_did(tmp_path: Path) -> None:
    hub = "+905334951556"
    others = [f"Merchant {i}" for i in range(40)]
    phones = [hub] * len(NAMES) + [f"+90533495{i:04d}" for i in range(len(others))]
    cleaned = prepare_mentions(_parties(phones, NAMES + others))
    settings = Settings(data_dir=tmp_path)
    pairs = pd.DataFrame(
        [
            {"left_name": "Ahmet Aydin", "left_phone": hub, "left_country": "TR",
             "right_name": "Emre Sahin", "right_phone": hub, "right_country": "TR"},
        ]
    )  # fmt: skip
    linker = _trained_linker(cleaned)
    tfs = {
        c: pa.Table.from_pandas(
            linker.table_management.compute_tf_table(c).as_pandas_dataframe(),
            preserve_index=False,
        )
        for c in ("name_norm", "phone")
    }
    save_model(linker, settings, tfs)  # as before hubs were saved: the phone is evidence
    plain = compare_pairs(settings, pairs, model="trained")
    save_model(linker, settings, tfs, hub_values(cleaned))
    scored = compare_pairs(settings, pairs, model="trained")
    assert scored["score"][0] < plain["score"][0]
    assert "phone" in plain["reasons"][0]
    assert "phone" not in scored["reasons"][0]  # the hub's phone weighs nothing
