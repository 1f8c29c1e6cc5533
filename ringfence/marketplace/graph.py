"""Neighbourhood aggregation over an undirected graph of numbered nodes.

The relation features of the seller-risk model (and of the public graph benchmarks, which share
this code): degree per link kind, the mean and max of the neighbours' own features, and how many
neighbours (one and two hops away) are *known* bad, from labels known before a cut-off only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse


def adjacency(n: int, src: np.ndarray, dst: np.ndarray, weight: np.ndarray | None = None):
    """Symmetric sparse adjacency (self-loops dropped, repeated pairs summed)."""
    keep = src != dst
    src, dst = src[keep], dst[keep]
    w = np.ones(len(src)) if weight is None else weight[keep]
    a = sparse.coo_matrix((np.r_[w, w], (np.r_[src, dst], np.r_[dst, src])), shape=(n, n))
    return a.tocsr()


def neighbour_stats(a: sparse.csr_matrix, x: np.ndarray, names: list[str]) -> pd.DataFrame:
    """Over each node's neighbours, per column of ``x``: mean, standard deviation and max, and
    the mean of the neighbours' means (two hops). NaN where no neighbour's value is known."""
    b = a.copy()
    b.data = np.ones_like(b.data)
    out: dict[str, np.ndarray] = {}
    for j, name in enumerate(names):
        col = x[:, j]
        mean = _neighbour_mean(b, col)
        square = _neighbour_mean(b, col * col)
        out[f"nbr_mean_{name}"] = mean
        out[f"nbr_std_{name}"] = np.sqrt(np.maximum(square - mean * mean, 0.0))
        out[f"nbr_max_{name}"] = _neighbour_max(b, np.where(np.isnan(col), -np.inf, col))
        out[f"nbr2_mean_{name}"] = _neighbour_mean(b, mean)
    return pd.DataFrame(out)


def _neighbour_mean(b: sparse.csr_matrix, col: np.ndarray) -> np.ndarray:
    known = ~np.isnan(col)
    count = b @ known.astype(float)
    total = b @ np.where(known, col, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)


def _neighbour_max(b: sparse.csr_matrix, values: np.ndarray) -> np.ndarray:
    result = np.full(b.shape[0], np.nan)
    starts, cols = b.indptr, b.indices
    has = np.diff(starts) > 0
    if cols.size:
        maxima = np.maximum.reduceat(values[cols], starts[:-1][has])
        result[has] = np.where(np.isneginf(maxima), np.nan, maxima)
    return result


def label_stats(a: sparse.csr_matrix, bad: np.ndarray, good: np.ndarray, prefix: str) -> dict:
    """Known-bad neighbours: count, share of neighbours, share of labelled neighbours, and the
    known-bad count two hops away (through any neighbour)."""
    b = a.copy()
    b.data = np.ones_like(b.data)
    degree = np.asarray(b.sum(axis=1)).ravel()
    n_bad = b @ bad.astype(float)
    n_good = b @ good.astype(float)
    # Walks of length two ending at a known-bad node, less those returning to the node itself.
    two = b @ n_bad - bad.astype(float) * degree
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            f"{prefix}known_bad": n_bad,
            f"{prefix}known_bad_share": np.where(degree > 0, n_bad / degree, np.nan),
            f"{prefix}known_bad_of_labelled": np.where(
                n_bad + n_good > 0, n_bad / (n_bad + n_good), np.nan
            ),
            f"{prefix}known_bad_2hop": two,
        }


def degrees(a: sparse.csr_matrix, prefix: str) -> dict:
    """Neighbour count and summed link weight."""
    b = a.copy()
    b.data = np.ones_like(b.data)
    return {
        f"{prefix}degree": np.asarray(b.sum(axis=1)).ravel(),
        f"{prefix}weight": np.asarray(a.sum(axis=1)).ravel(),
    }
