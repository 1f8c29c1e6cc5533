"""Screening says "no likely match" when nothing scores at or above the shown threshold, and
folds weak candidates below the likely ones instead of padding the hits with them."""

from __future__ import annotations

from ringfence.service.views.screening import (
    LIKELY_MATCH,
    ScreenMatch,
    ScreenRequest,
    ScreenResponse,
)
from ringfence.web.render import TEMPLATES


def _html(scores: list[float]) -> str:
    matches = [ScreenMatch(entity_id=f"e{i}", name=f"N{i}", score=s) for i, s in enumerate(scores)]
    likely = sum(s >= LIKELY_MATCH for s in scores)
    result = ScreenResponse(query=ScreenRequest(name="zzqqxx"), matches=matches, likely=likely)
    return TEMPLATES.env.get_template("partials/screen_results.html").render(result=result)


def _section(html: str, testid: str) -> str:
    start = html.find(f'data-testid="{testid}"')
    return "" if start < 0 else html[start : html.find("</table>", start)]


def test_nothing_above_the_threshold_reads_no_likely_match() -> None:
    html = _html([0.012, 0.002])
    assert "No likely match" in html and "50%" in html
    assert _section(html, "screen-matches") == ""
    assert 'data-id="e0"' in _section(html, "screen-weak-matches")


def test_weak_candidates_do_not_pad_a_real_hit() -> None:
    html = _html([0.97, 0.012, 0.011])
    assert "1 likely match " in html and "No likely match" not in html
    hits = _section(html, "screen-matches")
    assert 'data-id="e0"' in hits and 'data-id="e1"' not in hits
    weak = _section(html, "screen-weak-matches")
    assert 'data-id="e1"' in weak and 'data-id="e2"' in weak
    assert "2 weak candidates" in html
