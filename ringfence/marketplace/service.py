"""Service functions of seller risk: train a model version, score every seller with reasons.

The CLI (``ringfence sellers train|score``) calls these; they never print. A model version lives
in ``settings.data_dir/models/sellers/<version>/``: ``manifest.json`` (features, split, validation
and test metrics, calibration) and ``model.txt`` (the booster).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
import pyarrow as pa

from ringfence.errors import NotFoundError
from ringfence.marketplace.data import load_seller_data
from ringfence.marketplace.features import snapshot
from ringfence.marketplace.reasons import explain
from ringfence.marketplace.train import fit, labelled, outcome_span, plan_split
from ringfence.score.model import LabelModel
from ringfence.settings import Settings

EPOCH = dt.date(1970, 1, 1)


@dataclass
class SellerModel:
    """A stored seller-risk model version."""

    version: str
    features: list[str]
    model: LabelModel
    manifest: dict[str, object]


def models_root(settings: Settings) -> Path:
    """Folder of all seller-risk model versions."""
    return settings.data_dir / "models" / "sellers"


def _date(day: int) -> str:
    return (EPOCH + dt.timedelta(days=int(day))).isoformat()


def train_sellers(settings: Settings, until: dt.date | None = None) -> SellerModel:
    """Train on seller outcomes dated up to ``until`` (default: all) and store a new version."""
    data = load_seller_data(settings)
    first, last = outcome_span(data, None if until is None else (until - EPOCH).days)
    split = plan_split(first, last)
    stacked = labelled(data, [*split.train, split.validation, split.test], split.horizon)
    model, report = fit(stacked, split)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    version = f"{stamp}-until-{_date(last)}"
    manifest = {
        "version": version,
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "until": _date(last),
        "split": {
            "train": [_date(d) for d in split.train],
            "validation": _date(split.validation),
            "test": _date(split.test),
            "horizon_days": split.horizon,
        },
        "features": list(stacked.x.columns),
        "platt": list(model.platt),
        **report,
    }
    folder = models_root(settings) / version
    folder.mkdir(parents=True, exist_ok=True)
    model.booster.save_model(str(folder / "model.txt"))
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return SellerModel(version, manifest["features"], model, manifest)  # type: ignore[arg-type]


def load_seller_model(settings: Settings) -> SellerModel:
    """The latest stored seller-risk model."""
    versions = sorted(p.parent for p in models_root(settings).glob("*/manifest.json"))
    if not versions:
        raise NotFoundError("no seller-risk model yet: run 'ringfence sellers train' first")
    folder = versions[-1]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    booster = lgb.Booster(model_file=str(folder / "model.txt"))
    a, b = manifest["platt"]
    model = LabelModel("counterfeit_seller", booster, (float(a), float(b)), manifest["validation"])
    return SellerModel(manifest["version"], manifest["features"], model, manifest)


def score_sellers(settings: Settings, day: dt.date | None = None) -> pa.Table:
    """Every seller's calibrated risk and reasons, from what is known before ``day`` (default:
    the day after the latest dated fact). Columns: ``seller`` (its id as given in the sellers
    file), ``score``, ``reasons``; highest score first."""
    return seller_risks(settings, day).drop_columns(["organisation"])


def seller_risks(settings: Settings, day: dt.date | None = None) -> pa.Table:
    """As ``score_sellers``, with the ``organisation`` (marketplace) of each seller first: two
    marketplaces may each have a seller of the same id."""
    stored = load_seller_model(settings)
    data = load_seller_data(settings)
    when = (day - EPOCH).days if day else data.last_day() + 1
    frame = snapshot(data, when).reindex(columns=stored.features)
    x = frame.to_numpy(dtype=float)
    score = stored.model.probability(x)
    contrib = stored.model.contributions(x)
    reasons = [
        explain(contrib[i], stored.features, row) for i, row in enumerate(frame.to_dict("records"))
    ]
    out = pd.DataFrame(
        {"organisation": data.sellers["organisation"].to_numpy(),
         "seller": data.sellers["key"].to_numpy(), "score": np.round(score, 6),
         "reasons": reasons}
    )  # fmt: skip
    out = out.sort_values(["score", "seller"], ascending=[False, True], kind="stable")
    return pa.Table.from_pandas(out, preserve_index=False)
