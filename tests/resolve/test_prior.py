"""The prior of resolution refitted to the scored candidate pairs (resolve/prior.py)."""

from __future__ import annotations

import csv
import json
import logging
import math
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ringfence.ingest.pipeline import ingest_files
from ringfence.resolve.model import model_dir
from ringfence.resolve.pipeline import resolve_parties
from ringfence.resolve.prior import logit2, refit_prior
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore


def _histogram(evidence: dict[float, int], prior: float) -> pd.DataFrame:
    """Pairs by match weight as Splink writes them: log2 Bayes factor plus the prior's log-odds."""
    return pd.DataFrame(
        {"weight": [e + logit2(prior) for e in evidence], "pairs": list(evidence.values())}
    )


def test_the_refit_finds_the_share_of_matches_the_weights_imply() -> None:
    """Pairs as a two-level model would produce them: the expected count of each level among
    all pairs (m for the matches, u for the rest); the refit lands on the true share from a
    rules estimate far too low or far too high."""
    mentions = 20_000
    total = mentions * (mentions - 1) / 2
    matches = 3_000
    levels = {"strong": (0.9, 1e-6), "weak": (0.1, 1e-3)}  # m, u; the rest is never compared
    evidence = {
        math.log2(m / u): round(matches * m + (total - matches) * u) for m, u in levels.values()
    }
    truth = matches / total
    for prior in (truth / 20, truth * 20):
        refitted = refit_prior(_histogram(evidence, prior), prior, mentions, floor=1 / total)
        assert refitted == pytest.approx(truth, rel=0.05)


def test_the_refit_keeps_its_bounds_and_an_empty_histogram_keeps_the_prior() -> None:
    empty = pd.DataFrame({"weight": [], "pairs": []})
    assert refit_prior(empty, 1e-4, 1000, floor=1e-6) == 1e-4
    nothing_alike = _histogram({-20.0: 50}, 1e-4)
    assert refit_prior(nothing_alike, 1e-4, 1000, floor=1e-6) == 1e-6
    all_alike = _histogram({30.0: 45}, 0.01)  # every pair of 10 mentions certainly one party
    assert refit_prior(all_alike, 0.01, 10, floor=0.02) == 0.5
    assert np.isfinite(logit2(0.5)) and logit2(0.5) == 0.0


def _register(people: int, seed: int = 3) -> tuple[list[dict[str, str]], float]:
    """A person register without contacts, each person written 2-4 times with slips that the
    name rules (same name and town, same birth date and first word) mostly miss."""
    rnd = random.Random(seed)
    first = ["anna", "piotr", "marie", "jonas", "elena", "tomas", "sofia", "lukas", "ines"]
    towns = ["leeds", "lyon", "porto", "gdansk", "turin", "ghent"]
    rows, pairs = [], 0
    for person in range(people):
        surname = "".join(rnd.choice("bdfgklmnprstvz") + rnd.choice("aeiou") for _ in range(3))
        given = rnd.choice(first)
        born = f"{rnd.randint(1930, 2000)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
        town = rnd.choice(towns)
        copies = rnd.randint(2, 4)
        pairs += copies * (copies - 1) // 2
        for copy in range(copies):
            name, when, where = f"{given} {surname}", born, town
            if copy:  # a slip in the surname, the date only as a year, another town now and then
                cut = rnd.randrange(1, len(surname) - 1)
                name = (
                    f"{given} {surname[:cut]}{surname[cut + 1]}{surname[cut]}{surname[cut + 2 :]}"
                )
                when = born[:4] if rnd.random() < 0.5 else born
                where = town if rnd.random() < 0.6 else rnd.choice(towns)
            rows.append({"id": f"p{person}-{copy}", "schema": "Person", "name": name,
                         "city": where, "birth_date": when, "role": "other"})  # fmt: skip
    total = len(rows) * (len(rows) - 1) / 2
    return rows, pairs / total


def ingest_register(folder: Path, rows: list[dict[str, str]]) -> Settings:
    """Settings of a fresh data directory under ``folder`` with ``rows`` ingested as the
    ``register`` organisation's parties (columns: the first row's keys)."""
    settings = Settings(data_dir=folder / "data")
    with OperationalStore.open(settings) as store:
        store.ensure_organisation("register", "register", "partner")
    path = folder / "register.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    ingest_files(settings, "parties", [path], organisation="register")
    return settings


def test_a_register_gets_the_prior_its_pairs_imply_not_the_name_rules_guess(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Without shared contacts the prior came from name rules assumed to find 70 % of the
    matches; here they find far fewer. The refit moves it towards the true share of matching
    pairs and the model saves the refitted prior."""
    rows, truth = _register(400)
    settings = ingest_register(tmp_path, rows)
    with caplog.at_level(logging.INFO, logger="ringfence.resolve.pipeline"):
        resolve_parties(settings)
    found = [r.args for r in caplog.records if r.getMessage().startswith("prior ")]
    assert len(found) == 1, "a register without contacts has its prior refitted"
    rules, refitted = found[0]  # type: ignore[misc]
    saved = json.loads((model_dir(settings) / "splink_settings.json").read_text())
    assert saved["probability_two_random_records_match"] == pytest.approx(refitted)
    assert rules < truth / 1.5  # the name rules' guess is far too low here
    assert abs(math.log(refitted / truth)) < abs(math.log(rules / truth)) - 0.15


def test_where_contacts_give_the_prior_it_stays(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A list whose duplicates share an e-mail: the contact rules' prior is kept (no refit)."""
    rows, _ = _register(100)
    for row in rows:
        row["email"] = f"{row['id'].split('-')[0]}@example.org"
    settings = ingest_register(tmp_path, rows)
    with caplog.at_level(logging.INFO, logger="ringfence.resolve.pipeline"):
        resolve_parties(settings)
    assert not [r for r in caplog.records if r.getMessage().startswith("prior ")]
