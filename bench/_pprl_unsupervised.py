"""bench/pprl.py --unsupervised-check: the field model ``pprl fit --unsupervised`` learns from
each eval world's two encodings alone (``unsupervised.fit_unsupervised``: EM, no labels), as
entities at the link threshold it picks itself, beside round 13's shipped-check model and
clear-text resolution in the same run (docs/pprl.md, round 14). The labels only measure."""

from __future__ import annotations

import time
from typing import Any

from bench._pprl_eval import World, clear_text_entities
from bench._pprl_fields import entity_prf
from bench._pprl_shipped import shipped_check
from bench._pprl_sources import Source
from ringfence.resolve.pprl.entities import components, score_links
from ringfence.resolve.pprl.params import PprlParams
from ringfence.resolve.pprl.unsupervised import fit_unsupervised


def unsupervised_check(
    sources: dict[str, tuple[Source, Source]], params: PprlParams, options: dict[str, bool]
) -> dict[str, Any]:
    """``shipped_check`` on ``sources`` (``options`` as it takes them), and per eval world the
    unsupervised fit's entity figures, its threshold and expected F1, and its F1 minus the
    shipped model's and minus clear text's."""
    shipped = shipped_check(sources, params, options)
    for name, (_, eval_source) in sources.items():
        figures = shipped["worlds"][name]
        found = unsupervised_figures(eval_source, params)
        figures["unsupervised"] = {
            **found,
            "minus_shipped": round(found["f1"] - figures["f1"], 4),
            "minus_clear_text": round(found["f1"] - figures["clear_text_f1"], 4),
        }
    return shipped


def unsupervised_only(
    sources: dict[str, tuple[Source, Source]], params: PprlParams, clear: bool = False
) -> dict[str, Any]:
    """``--unsupervised-only``: per eval world the unsupervised fit's figures alone, without
    the shipped model's (round 15 compares with round 14's run of those); with ``clear``
    (``--with-clear-text``) clear-text resolution's entity F1 in the same run too."""
    worlds = {}
    for name, (train_source, eval_source) in sources.items():
        worlds[name] = unsupervised_figures(eval_source, params)
        if clear:
            f1 = clear_text_entities(train_source, eval_source)["f1"]
            worlds[name]["clear_text_f1"] = f1
            worlds[name]["minus_clear_text"] = round(worlds[name]["f1"] - f1, 4)
    return {"worlds": worlds}


def unsupervised_figures(eval_source: Source, params: PprlParams) -> dict[str, Any]:
    """The unsupervised fit on one eval world's two encodings: entity precision, recall, F1 at
    the link threshold it picked, that threshold, its expected F1, the fit's summary and the
    seconds of fitting and linking."""
    world = World(eval_source, params, clear=False)
    start = time.perf_counter()
    fit = fit_unsupervised(world.enc_left, world.enc_right)
    threshold = fit.model.link_threshold
    assert threshold is not None
    links = score_links(world.enc_left, world.enc_right, fit.model)
    found = entity_prf(world, components(links, threshold))
    return {
        **found,
        "link_threshold": threshold,
        "expected_f1": fit.choice.f1,
        "summary": fit.summary,
        "seconds": round(time.perf_counter() - start, 1),
    }
