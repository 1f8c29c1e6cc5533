"""The simulator's notice abuse: price-policing burst campaigns and a takedown agent, with their
truth; the one-off notices before them are what they were without them."""

from __future__ import annotations

from collections import Counter

import pytest

from ringfence.sim import campaigns, marketplace, notices
from ringfence.sim.config import SimConfig
from ringfence.sim.world import build_world


def _complaints(cfg: SimConfig) -> list[notices.Complaint]:
    world = build_world(cfg)
    sellers = marketplace.make_sellers(world)
    marketplace.link_authorised(world, sellers)
    return notices.make_complaints(cfg, marketplace.make_listings(world, sellers))


def test_campaigns_and_agent_notices_carry_their_truth(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = SimConfig(seed=5, days=90, scale=8)
    every = _complaints(cfg)
    patterns = Counter(c.pattern for c in every if c.bad_faith)
    assert patterns["campaign"] >= 8 and patterns["agent"] >= 10 and patterns["grey"] > 0
    assert all(c.bad_faith == (c.pattern != "") for c in every)
    assert all(not c.listing.counterfeit for c in every if c.bad_faith)
    agent = [c for c in every if c.filed_by == campaigns.AGENT]
    assert agent and {c.brand for c in agent} <= set(campaigns.AGENT_BRANDS)
    # A campaign: one owner, many sellers within three days.
    burst = [c for c in every if c.pattern == "campaign"]
    by_owner_day = Counter((c.filed_by, c.filed.toordinal() // 3) for c in burst)
    assert max(by_owner_day.values()) >= 5

    monkeypatch.setattr(notices, "_abuse", lambda *args: None)
    plain = _complaints(cfg)
    assert [(c.id, c.listing.id, c.decision) for c in plain] == [
        (c.id, c.listing.id, c.decision) for c in every[: len(plain)]
    ]
