"""bench/pprl.py --blip-sweep: field filters hardened with BLIP (``flip_probability``) at
several f, each scored as ``pprl fit`` + ``pprl match --entities --model`` would (the field
model fitted on the train world, entities at the link threshold the fit stores), beside the
project's clear-text resolution as entities and the frequency attack of bench/_pprl_attack.py
on the eval world's encodings (the default CLK-only encoding attacked too, as the yardstick).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pyarrow as pa

from bench._pprl_attack import attack_world
from bench._pprl_eval import World, clear_text_entities
from bench._pprl_fields import entity_prf
from bench._pprl_sources import Source
from ringfence.resolve.pprl import PprlParams
from ringfence.resolve.pprl.entities import components, score_links
from ringfence.resolve.pprl.field_model import fit_model, pair_features
from ringfence.resolve.pprl.match import DEFAULT_THRESHOLD
from ringfence.resolve.pprl.params import FIELD_PARAMS


def _attack(train: World, test: World) -> dict[str, Any]:
    """The frequency attack on the eval world's encodings, the train world as census."""
    census = pa.concat_tables([train.left, train.right])
    return attack_world(census, [test.enc_left, test.enc_right], [test.left, test.right])


def blip_setting(
    train_source: Source,
    eval_source: Source,
    params: PprlParams,
    date_key: bool = False,
    hinges: bool = False,
    lsh: bool = False,
    nicknames: bool = False,
    name_keys: bool = False,
) -> dict[str, Any]:
    """One encoding setting: the field model fitted on the train world (``fit_model``, as
    ``pprl fit``; with the date key's features if ``date_key``, the Dice hinges if
    ``hinges``, MinHash candidates if ``lsh``, the nickname key if ``nicknames``, the name
    keys' features if ``name_keys``), the eval world's pairs at 0.5 and entities at the fit's
    link threshold, and the attack."""
    train = World(train_source, params, clear=False)
    test = World(eval_source, params, clear=False)
    # One split fit (round 7): its equal-threshold F1 give the unsplit fit's threshold, the
    # one ``fit_model`` without ``split`` stores (the same grid and ties).
    fit = fit_model(
        train.enc_left,
        train.enc_right,
        train.truth,
        split=True,
        date_key=date_key,
        hinges=hinges,
        lsh=lsh,
        nicknames=nicknames,
        name_keys=name_keys,
    )
    features = pair_features(
        test.enc_left, test.enc_right, test.li, test.ri, name_keys=name_keys
    )
    by_threshold = fit.choice.f1_by_link_threshold
    threshold = max(by_threshold, key=lambda t: by_threshold[t])
    links = score_links(test.enc_left, test.enc_right, fit.model)
    split = fit.model.link_threshold or threshold, fit.model.within_link_threshold
    return {
        **({"date_key_features": True} if date_key else {}),
        **({"dice_hinges": True} if hinges else {}),
        **({"name_minhash": True} if lsh else {}),
        **({"nickname_keys": True} if nicknames else {}),
        **({"name_key_features": True} if name_keys else {}),
        "flip_probability": params.flip_probability,
        "bit_epsilon": round(params.bit_epsilon, 3),
        **(
            {"field_flip_probabilities": params.field_flip_probabilities}
            if params.field_flip_probabilities
            else {}
        ),
        **({} if params.block_on else {"block_on": []}),
        **({} if params.date_block == "day" else {"date_block": params.date_block}),
        **(
            {
                "date_key_max_ratio": params.date_key_max_ratio,
                "date_key_fallback": params.date_key_fallback,
            }
            if params.date_key_max_ratio
            else {}
        ),
        **({"town_with": list(params.town_with)} if params.town_with else {}),
        **({"town_filter_without_host": True} if params.town_filter_without_host else {}),
        "pairs": test.evaluate(fit.model.score(features), DEFAULT_THRESHOLD),
        "entities": {
            **entity_prf(test, components(links, threshold)),
            "link_threshold": threshold,
            "train_f1": round(by_threshold[threshold], 4),
        },
        "entities_split": {
            **entity_prf(test, components(links, *split)),
            "link_threshold": split[0],
            "within_link_threshold": split[1],
            "train_f1": round(fit.choice.f1, 4),
        },
        "attack": _attack(train, test),
    }


def blip_sweep(
    train_source: Source,
    eval_source: Source,
    flips: list[float],
    resolution: bool = True,
    field_sets: list[PprlParams] | None = None,
    field_flips: list[dict[str, float]] | None = None,
    date_key: bool = False,
    hinges: bool = False,
    lsh: bool = False,
    nicknames: bool = False,
    name_keys: bool = False,
) -> dict[str, Any]:
    """Every f of ``flips`` (0: unhardened field filters) with field filters — all of them
    (``FIELD_PARAMS``), or each of ``field_sets`` in turn (``--filter-fields``) — and, for
    each of ``field_flips`` in turn (``--field-flip``), those fields' own rates; the default
    CLK-only encoding's attack figures, and clear-text resolution's entity F1 (``resolution``)
    with each setting's difference to it. ``date_key``, ``hinges``, ``lsh``: the model's
    date key features (``--date-key-features``), Dice hinges (``--dice-hinges``) and MinHash
    candidates (``--name-minhash``); ``nicknames``: the nickname key's feature
    (``--nickname-keys``, encodings with them in ``field_sets``); ``name_keys``: the name
    keys' features (``--name-key-features``)."""
    clk_train = World(train_source, PprlParams(), clear=False)
    clk_test = World(eval_source, PprlParams(), clear=False)
    result: dict[str, Any] = {"default_clk_attack": _attack(clk_train, clk_test)}
    settings = []
    for base in field_sets or [FIELD_PARAMS]:
        for f, own in ((f, own) for own in field_flips or [{}] for f in flips):
            # A base's own rates (a composite filter's, ``--town-with``) stay unless named.
            rates = {**base.field_flip_probabilities, **own}
            params = replace(base, flip_probability=f, field_flip_probabilities=rates)
            setting = blip_setting(
                train_source, eval_source, params, date_key, hinges, lsh, nicknames, name_keys
            )
            if field_sets:
                setting = {"field_filters": list(base.field_filters), **setting}
            settings.append(setting)
    if resolution:
        clear = clear_text_entities(train_source, eval_source)
        result["clear_text_resolution_entities"] = clear
        for setting in settings:
            for key in ("entities", "entities_split"):
                gap = setting[key]["f1"] - clear["f1"]
                setting[key]["f1_difference_vs_resolution_entities"] = round(gap, 4)
    result["settings"] = settings
    return result
