"""The Splink model of party resolution: comparisons, blocking rules, training, saving.

One model serves both engines: the settings are backend-neutral Splink creators, and the
backend (``DuckDBAPI`` or ``SparkAPI``) is picked from the engine the pipeline runs on.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from splink import Linker, SettingsCreator, block_on

from ringfence.errors import NotFoundError
from ringfence.resolve.blocking import blocking_rules
from ringfence.resolve.comparisons import HUB_LABEL, PROBABILITY_FLOOR, RARE_COLUMN, comparisons
from ringfence.settings import Settings
from ringfence.store.engine import Engine

# The hub values of the lake the model was trained on (prepare.hub_values), beside the model.
HUBS_FILE = "hubs.parquet"
# The common words of its people's names (prepare.common_words), likewise.
COMMON_WORDS_FILE = "common_words.parquet"

MATCH_THRESHOLD = 0.5
"""Match probability at and above which two mentions are one entity (everywhere by default)."""

# Columns whose values repeat for unrelated parties (common names, a forwarder's phone or
# mailbox): Splink weighs an agreement on them by how rare the value is.
TF_COLUMNS = ("name_norm", "phone", "email", "address_key", RARE_COLUMN)

# Two writings of one party rarely disagree on a field entirely (typos land in the similar
# levels). EM cannot see that on its own: blocks sharing an e-mail also hold ring aliases
# that share the ring's mailbox but are different identities, which inflates "differs".
MAX_ELSE_M = 0.05
# ... unless this many training sessions, blocked on different fields, each found "differs"
# more often among their matches, and at least one of them is not blocked on a shared contact
# (``CONTACT_COLUMNS``): then the smallest of their estimates is kept. Noisy registers do
# disagree that often (FEBRL3's true pairs: name differs 8 %; Splink's fake_1000: name
# 13-18 %, town 37-43 %). Contact blocks are where rings share one value among aliases, and a
# ring shares its mailbox and its bank account alike, so two of them are not independent: in
# the 1M simulated world the e-mail and bank sessions put "phone differs" at 0.95 and 0.08,
# and keeping 0.08 cost F1 0.0001.
AGREEING_SESSIONS = 2
CONTACT_COLUMNS = ("email", "phone", "bank_account")
# Random pairs u is estimated from: every u below PROBABILITY_FLOOR is raised to it anyway, and
# 500k pairs still show a level with u = 0.001 some 500 times (±4.5 %, ±0.07 bits). Sampling
# 20M pairs took a minute at 1M mentions without changing any weight that is used; 3M took 13
# CPU-seconds once the levels for others' data were added, 1M 7.6.
U_SAMPLE_PAIRS = 500_000.0
# ... and no more than this many per mention: a small lake has few distinct pairs to learn u
# from, and sampling 3M of them cost a 5,000-record list most of its run time.
U_PAIRS_PER_MENTION = 30
# Strong identifiers whose shared values give EM its training pairs, in order.
EM_BLOCKS: tuple[tuple[str, ...], ...] = (("email",), ("bank_account",), ("phone", "name_norm"))
# Sessions for data without shared contacts (a person register, a company list): an
# identifier, a date of birth, and a name within a place. Run only when fewer than two of
# ``EM_BLOCKS`` could. Without the date-of-birth session nothing taught the name levels of a
# register with names, birth dates and places only (Splink's historical figures: every name
# level kept Splink's default m, F1 0.27 on its development half; with it 0.70).
FALLBACK_EM_BLOCKS: tuple[tuple[str, ...], ...] = (
    ("identifier",),
    ("birth_date",),
    ("name_norm", "place_key"),
)
# Deterministic rules the prior (probability two random mentions match) is estimated from, and
# those used when none of them finds a pair.
PRIOR_BLOCKS: tuple[tuple[str, ...], ...] = (("email",), ("phone", "name_norm"), ("bank_account",))
FALLBACK_PRIOR_BLOCKS: tuple[tuple[str, ...], ...] = (
    ("identifier", "name_first"),
    ("name_norm", "address_key"),
    ("name_norm", "place_key"),
    ("birth_date", "name_first"),
)
# Fewer pairs than this in a block and EM learns noise (and fails to converge).
MIN_EM_PAIRS = 200
# Fewer confirmed pairs than this and their level proportions are noise (one pair would say
# m = 1 for whatever levels it shows); the pairs still join their entities (pipeline.py).
MIN_LABEL_PAIRS = 20

log = logging.getLogger(__name__)


def settings_creator(explain: bool = True) -> SettingsCreator:
    """A fresh, untrained model; ``explain=False`` keeps only the ids and scores of predicted
    pairs (resolution reads nothing else: at 1M mentions writing every field and weight of 2.5M
    scored pairs was a large part of scoring). Pairs to explain need ``explain_columns``."""
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons(),
        blocking_rules_to_generate_predictions=blocking_rules(),
        retain_matching_columns=explain,
        retain_intermediate_calculation_columns=explain,
        max_iterations=20,
    )


def explain_columns(model: dict[str, Any]) -> dict[str, Any]:
    """A saved model's settings with the fields and weights of each scored pair kept (reasons)."""
    return {
        **model,
        "retain_matching_columns": True,
        "retain_intermediate_calculation_columns": True,
    }


def train(
    linker: Linker, cleaned: pa.Table, seed: int = 42, confirmed: pd.DataFrame | None = None
) -> None:
    """Train so that common names cannot collapse the model.

    u comes from random pairs (almost all non-matches, whatever the names). m comes from EM on
    pairs sharing a strong identifier (``EM_BLOCKS``: e-mail, bank account, phone with name):
    each session learns every comparison except those it blocks on, and the name's weights
    come only from sessions not blocked on a name, so a frequent "Zhang Wei" never makes
    agreeing names look like proof. A block with
    too few pairs to learn from (a small lake) is skipped. Phone is deliberately not a
    training block: forwarders print one phone on many merchants' labels, and EM on those
    blocks learns that a shared phone plus a shared address is a match.

    ``confirmed`` (``unique_id_l``/``unique_id_r``, confirmed.py) are pairs a partner confirmed:
    with at least ``MIN_LABEL_PAIRS`` of them, one more m estimate comes from the levels those
    pairs show (Splink's ``estimate_m_from_pairwise_labels``). Like every session it is one
    estimate among the others (Splink takes the median), so a handful of confirmations
    cannot outvote what the identifiers taught.
    """
    training = linker.training
    prior = _estimate_prior(linker, cleaned)
    if cleaned.num_rows < 2:  # nothing to learn from: every level keeps "no evidence"
        _floor_probabilities(linker)
        return
    u_pairs = min(U_SAMPLE_PAIRS, U_PAIRS_PER_MENTION * cleaned.num_rows)
    training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=seed)
    if _em_sessions(linker, cleaned, EM_BLOCKS) < 2:
        _em_sessions(linker, cleaned, FALLBACK_EM_BLOCKS)
    if confirmed is not None and len(confirmed) >= MIN_LABEL_PAIRS:
        labels = linker.table_management.register_table(
            confirmed[["unique_id_l", "unique_id_r"]], "__ringfence_confirmed", overwrite=True
        )
        training.estimate_m_from_pairwise_labels(labels)
    linker._settings_obj._probability_two_random_records_match = prior
    _floor_probabilities(linker)


def _em_sessions(linker: Linker, cleaned: pa.Table, blocks: tuple[tuple[str, ...], ...]) -> int:
    """Run an EM session per block with enough pairs; returns how many ran."""
    done = 0
    for columns in blocks:
        if _pairs_sharing(cleaned, columns) < MIN_EM_PAIRS:
            log.info("EM session on %s skipped: too few pairs", columns)
            continue
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on(*columns), estimate_without_term_frequencies=True
            )
            done += 1
        except Exception as exc:  # a degenerate block: keep what the other sessions learnt
            log.warning("EM session on %s skipped: %s", columns, exc)
    return done


def _estimate_prior(linker: Linker, cleaned: pa.Table) -> float:
    """Set and return the prior: the deterministic-rule estimate, never below one pair in all.

    A list without duplicates (a fresh watchlist) shares no e-mail, phone-and-name or bank
    account, so the rules estimate 0 and Splink's match weights become log(0). The floor, one
    expected match among all pairs, still lets a pair agreeing on several fields link (about
    log2 of the pair count in bits, ~22 for 3,000 entries) and no namesake pair.
    """
    floor = prior_floor(cleaned.num_rows)
    settings = linker._settings_obj
    prior = floor
    for blocks in (PRIOR_BLOCKS, FALLBACK_PRIOR_BLOCKS):
        if sum(_pairs_sharing(cleaned, columns) for columns in blocks):
            linker.training.estimate_probability_two_random_records_match(
                [block_on(*columns) for columns in blocks], recall=0.7
            )
            prior = min(max(settings._probability_two_random_records_match, floor), 0.5)
            break
    # EM sessions estimate their own within-block match rate; a session that fails part-way
    # can leave it behind as the global prior, so this estimate is kept and restored.
    settings._probability_two_random_records_match = prior
    return prior


def prior_from_contacts(cleaned: pa.Table) -> bool:
    """Whether the prior comes from shared contacts (``PRIOR_BLOCKS``), not from the name rules
    of registers (``FALLBACK_PRIOR_BLOCKS``), whose recall is far below the assumed 0.7."""
    return any(_pairs_sharing(cleaned, columns) for columns in PRIOR_BLOCKS)


def rare_names_tf(cleaned: pa.Table) -> pa.Table:
    """Term frequencies of people's names (``RARE_COLUMN``), none above ``PROBABILITY_FLOOR``.

    Splink divides a level's u by the name's frequency; capped at the floor (every alike level's
    least u), a rare name weighs more and a common one no less than the level itself says. A
    deduplicated list counts one person's spellings apart, so without the cap a name written
    three times in a thousand records (Splink's fake_1000) was weighed down as common.
    """
    names = cleaned.column(RARE_COLUMN).drop_null()
    counts = pc.value_counts(names)
    share = pc.divide(pc.cast(counts.field("counts"), pa.float64()), max(len(names), 1))
    return pa.table(
        {
            RARE_COLUMN: counts.field("values"),
            f"tf_{RARE_COLUMN}": pc.min_element_wise(share, PROBABILITY_FLOOR),
        }
    )


def prior_floor(mentions: int) -> float:
    """The least prior: one expected match among all pairs of ``mentions`` (at most 0.5)."""
    pairs = mentions * (mentions - 1) / 2
    return min(1.0 / max(pairs, 1.0), 0.5)


def _pairs_sharing(cleaned: pa.Table, columns: tuple[str, ...]) -> int:
    """How many pairs of mentions share non-empty values of all ``columns``."""
    keys = pc.binary_join_element_wise(
        *[cleaned.column(c) for c in columns], "\x1f", null_handling="emit_null"
    )
    counts = pc.value_counts(keys.drop_null()).field("counts")
    return int(pc.sum(pc.divide(pc.multiply(counts, pc.subtract(counts, 1)), 2)).as_py() or 0)


def _floor_probabilities(linker: Linker) -> None:
    """Bound every level's evidence; a level no training pair showed weighs nothing.

    EM on clean identifiers learns that e.g. two e-mails of one party never differ (m ~ 1e-90):
    one typo would then veto a match. Symmetrically a tiny u makes one shared phone enough,
    and forwarders put one phone and address on many merchants' labels. Keeping m and u at
    least ``PROBABILITY_FLOOR`` bounds each field's evidence to about +-10 bits, so a match
    needs two fields agreeing. A level never seen among training matches (m unknown) gets
    m = u: no evidence either way, rather than Splink's generic default. A "differs" level
    keeps at most ``MAX_ELSE_M`` unless several sessions agree it is more (``_else_m_bound``).
    A rare-name level (comparisons._rare) whose u is above the floor loses its adjustment.
    """
    for comparison in linker._settings_obj.comparisons:
        for level in comparison.comparison_levels:
            if level.is_null_level:
                continue
            u = level.u_probability
            u = PROBABILITY_FLOOR if u is None else max(u, PROBABILITY_FLOOR)
            level.u_probability = u
            m = level.m_probability
            m = u if m is None else max(m, PROBABILITY_FLOOR)
            if level._is_else_level:
                m = min(m, _else_m_bound(level))
            if (level._label_for_charts or "").startswith(HUB_LABEL):
                m = u
            level.m_probability = m
            if level._tf_adjustment_column == RARE_COLUMN and u > PROBABILITY_FLOOR:
                # The rare-name table stops at the floor (``rare_names_tf``): above it every
                # name, however common, would be weighed up.
                level._tf_adjustment_column = None


def _else_m_bound(level: Any) -> float:
    """The most m a "differs" level may keep: ``MAX_ELSE_M``, or the smallest estimate of at
    least ``AGREEING_SESSIONS`` training sessions that all found more, one of them not blocked
    on a contact (``CONTACT_COLUMNS``; ``_floor_probabilities``)."""
    sessions = [
        (r["probability"], str(r["description"]))
        for r in level._trained_m_probabilities
        if isinstance(r["probability"], int | float)
    ]
    estimates = [m for m, _ in sessions]
    own = [d for _, d in sessions if not any(f'l."{c}"' in d for c in CONTACT_COLUMNS)]
    if len(estimates) >= AGREEING_SESSIONS and own and min(estimates) > MAX_ELSE_M:
        return float(min(estimates))
    return MAX_ELSE_M


def model_dir(settings: Settings) -> Path:
    """Where the trained model and its term-frequency tables live."""
    return settings.data_dir / "models" / "resolution"


def save_model(
    linker: Linker,
    settings: Settings,
    tf_tables: dict[str, pa.Table],
    hubs: dict[str, pa.Array] | None = None,
    common: pa.Array | None = None,
) -> Path:
    """Save the trained settings JSON, the term frequencies the weights were trained with, the
    hub values (``HUBS_FILE``: a column's values written with many names) and the common words
    of people's names (``COMMON_WORDS_FILE``)."""
    folder = model_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "splink_settings.json"
    linker.misc.save_model_to_json(str(path), overwrite=True)
    for column, table in tf_tables.items():
        pq.write_table(table, folder / f"tf_{column}.parquet")
    hubs = hubs or {}
    pq.write_table(
        pa.table(
            {
                "column": pa.array(
                    [c for c, v in hubs.items() for _ in range(len(v))], pa.string()
                ),
                "value": pa.concat_arrays([v.cast(pa.string()) for v in hubs.values()])
                if hubs
                else pa.array([], pa.string()),
            }
        ),
        folder / HUBS_FILE,
    )
    words = pa.array([], pa.string()) if common is None else common.cast(pa.string())
    pq.write_table(pa.table({"word": words}), folder / COMMON_WORDS_FILE)
    return path


def load_hubs(settings: Settings) -> dict[str, pa.Array]:
    """The hub values saved with the model, by column (empty for a model saved without)."""
    path = model_dir(settings) / HUBS_FILE
    if not path.is_file():
        return {}
    table = pq.read_table(path)
    return {
        column: table.filter(pc.equal(table.column("column"), column))
        .column("value")
        .combine_chunks()
        for column in pc.unique(table.column("column")).to_pylist()
    }


def load_common_words(settings: Settings) -> pa.Array | None:
    """The common name words saved with the model (None for a model saved without: then no
    word counts as rare)."""
    path = model_dir(settings) / COMMON_WORDS_FILE
    return pq.read_table(path).column("word").combine_chunks() if path.is_file() else None


def load_model(settings: Settings) -> tuple[dict[str, Any], dict[str, pa.Table]]:
    """The saved settings dict and term-frequency tables; a clear error if never trained."""
    folder = model_dir(settings)
    path = folder / "splink_settings.json"
    if not path.is_file():
        raise NotFoundError(
            f"no trained resolution model in {folder}: run `ringfence resolve` first"
        )
    model = json.loads(path.read_text(encoding="utf-8"))
    tfs = {
        column: pq.read_table(folder / f"tf_{column}.parquet")
        for column in TF_COLUMNS
        if (folder / f"tf_{column}.parquet").is_file()
    }
    return model, tfs


def db_api_for(engine: Engine, scratch: Path) -> Any:
    """The Splink backend matching our engine: same session/connection family, one pipeline."""
    if engine.name == "spark":
        from splink import SparkAPI
        from splink.internals.spark.jar_location import similarity_jar_location

        session = engine.spark  # type: ignore[attr-defined]
        # Splink's string-similarity UDFs live in a jar; adding it to a running session lets
        # an engine built elsewhere (CLI, tests) serve Splink without a special start-up.
        session.sql(f"ADD JAR '{similarity_jar_location()}'")
        # Splink breaks long lineages by checkpointing to Parquet (persisting in memory ran
        # the default 1 GB driver out of heap); checkpoints go to our scratch space.
        scratch.mkdir(parents=True, exist_ok=True)
        session.sparkContext.setCheckpointDir(str(scratch.resolve()))
        return SparkAPI(spark_session=session)
    from splink import DuckDBAPI

    return DuckDBAPI()
