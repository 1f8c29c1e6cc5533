"""bench/pprl.py --shipped-check: one field model for an encoding, fitted once on several train
worlds (as ``--write-field-model`` fits the shipped one), scored on every eval world without a
fit of its own (docs/pprl.md, round 13): what ``pprl match --entities`` would give out of the
box if that encoding were the default and that model shipped with it.

The model: ``fit_on`` the train worlds of ``FIELD_MODEL_WORLDS``, the simulator's and the
synthetic world's, each weighing the same, with the date key features, the Dice hinges and the
nickname feature as asked (no MinHash candidates and one link threshold: a
shipped model of today's kind), and, as the shipped model, without the CLK's own Dice nor its
hinges (what it means shifts with the fields a record holds: ``bench/pprl.py``'s
``write_field_model``); its link threshold is the one of best mean train entity F1 over those
worlds (``LINK_THRESHOLDS``). Scored on the eval worlds of the same sets and FEBRL4 (never
trained on), each against clear-text resolution measured in the same run.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from bench._pprl_eval import World, clear_text_entities
from bench._pprl_fields import FIELD_MODEL_WORLDS, LINK_THRESHOLDS, entity_prf, fit_on
from bench._pprl_sources import Source
from ringfence.resolve.pprl.entities import components, score_links
from ringfence.resolve.pprl.extra_features import HINGE_SUFFIXES
from ringfence.resolve.pprl.params import PprlParams

# The CLK's Dice and its hinges, which the shipped model leaves out.
CLK_DICE = ("dice", *(f"dice{suffix}" for suffix in HINGE_SUFFIXES))


def shipped_check(
    sources: dict[str, tuple[Source, Source]],
    params: PprlParams,
    options: dict[str, bool],
) -> dict[str, Any]:
    """Fit one model on the train worlds of ``sources`` named in ``FIELD_MODEL_WORLDS`` and
    "simulator", "synthetic" (``options``: ``date_key``, ``hinges``, ``nicknames``), pick its
    link threshold by mean train entity F1, and score every eval world of ``sources``."""
    trained_on = [n for n in sources if n in (*FIELD_MODEL_WORLDS, "simulator", "synthetic")]
    train = {name: World(sources[name][0], params, clear=False) for name in trained_on}
    model = fit_on(*train.values(), exclude=CLK_DICE, **options)
    by_threshold = {
        t: float(np.mean([entity_prf(w, components(score_links(w.enc_left, w.enc_right, model),
                                                   t))["f1"] for w in train.values()]))
        for t in LINK_THRESHOLDS
    }  # fmt: skip
    threshold = max(LINK_THRESHOLDS, key=lambda t: by_threshold[t])
    model = replace(model, link_threshold=threshold)
    worlds = {}
    for name, (train_source, eval_source) in sources.items():
        test = World(eval_source, params, clear=False)
        found = entity_prf(test, components(score_links(test.enc_left, test.enc_right, model),
                                            threshold))  # fmt: skip
        clear = clear_text_entities(train_source, eval_source)
        worlds[name] = {
            **found,
            "clear_text_f1": clear["f1"],
            "f1_difference_vs_resolution_entities": round(found["f1"] - clear["f1"], 4),
            "trained_on": name in train,
        }
    return {
        "trained_on": trained_on,
        "options": options,
        "link_threshold": threshold,
        "mean_train_f1_by_link_threshold": {str(t): round(f, 4) for t, f in by_threshold.items()},
        "model": {"coefficients": model.coefficients, "intercept": model.intercept},
        "worlds": worlds,
    }
