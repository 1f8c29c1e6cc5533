"""Looking at a page as a person would: accessibility (axe-core), phone overflow, screenshots.

``check_page(page, name)`` is meant to be called on every page a browser test opens:

- it runs axe-core (``tests/web/vendor/axe.min.js``) at desktop size (1440×900) and at phone
  size (390×844) and fails on any *serious* or *critical* violation, naming the rule and the
  first elements it matched;
- at phone size it fails when the page scrolls sideways or an element sticks out of the
  viewport (elements inside a container that scrolls or clips horizontally are that container's
  business, and it is checked itself);
- it writes ``<name>-desktop.png`` and ``<name>-phone.png`` (whole page) into the screenshot
  folder: ``RINGFENCE_TEST_SCREENSHOTS`` when set, else ``screenshots/`` in pytest's temporary
  directory of the run (``conftest.py`` sets it), so a reviewer can look at every page.

axe is injected with ``page.evaluate`` (DevTools), not as a ``<script>`` tag, so a strict
Content-Security-Policy on the page does not stop it.
"""

from __future__ import annotations

import os
import re
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
BLOCKING_IMPACTS = ("serious", "critical")
SCREENSHOTS_ENV = "RINGFENCE_TEST_SCREENSHOTS"

_default_dir: list[Path] = []

_RUN_AXE = """async (impacts) => {
  const result = await window.axe.run(document, { resultTypes: ["violations"] });
  return result.violations
    .filter((v) => impacts.includes(v.impact))
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, count: v.nodes.length,
                   nodes: v.nodes.slice(0, 4).map((n) => n.target.join(" ") + " — " +
                          (n.failureSummary || "").split("\\n").slice(1, 2).join("").trim()) }));
}"""

_OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const classes = (el) => typeof el.className === "string" && el.className.trim()
    ? "." + el.className.trim().split(/\\s+/).join(".") : "";
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + classes(el);
  const found = [];
  const page = document.documentElement.scrollWidth;
  if (page > width + 1) found.push(`the page is ${page} px wide in a ${width} px viewport`);
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;
    if (box.right <= width + 1 && box.left >= -1) continue;
    const style = getComputedStyle(el);
    if (style.position === "fixed" || style.visibility === "hidden") continue;
    let contained = false;
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") { contained = true; break; }
    }
    const span = `${Math.round(box.left)}–${Math.round(box.right)} px`;
    if (!contained) found.push(`${describe(el)} spans ${span}`);
    if (found.length >= 8) break;
  }
  return found;
}"""


def use_screenshot_dir(path: Path) -> None:
    """Where screenshots go when ``RINGFENCE_TEST_SCREENSHOTS`` is not set (set by conftest)."""
    _default_dir[:] = [path]


def screenshot_dir() -> Path:
    """The folder the screenshots of this run are written to (created on first use)."""
    configured = os.environ.get(SCREENSHOTS_ENV, "").strip()
    if configured:
        path = Path(configured)
    elif _default_dir:
        path = _default_dir[0]
    else:
        path = Path(tempfile.gettempdir()) / "ringfence-screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def axe_violations(page: Any, impacts: tuple[str, ...] = BLOCKING_IMPACTS) -> list[dict[str, Any]]:
    """axe-core's violations of the page as it is now, keeping only these impacts."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    violations: list[dict[str, Any]] = page.evaluate(_RUN_AXE, list(impacts))
    return violations


def overflowing(page: Any) -> list[str]:
    """What sticks out of the viewport sideways (empty when nothing does)."""
    found: list[str] = page.evaluate(_OVERFLOW)
    return found


def page_height(page: Any) -> int:
    """The whole page's height in CSS pixels."""
    return int(page.evaluate("() => document.documentElement.scrollHeight"))


def shot(page: Any, name: str, size: str) -> Path:
    """Write a whole-page screenshot ``<name>-<size>.png`` into the screenshot folder."""
    path = screenshot_dir() / f"{_safe(name)}-{size}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "page"


def _settle(page: Any) -> None:
    """Loaded, laid out, and scrolled to the top (a sticky header otherwise lands mid-shot)."""
    page.wait_for_load_state("load")
    page.evaluate(
        "() => new Promise((done) => { window.scrollTo(0, 0); "
        "requestAnimationFrame(() => setTimeout(done, 50)); })"
    )


def check_page(page: Any, name: str) -> None:
    """Axe at desktop and phone size, no sideways overflow on a phone, and both screenshots.

    Fails with every problem found; the viewport is put back as it was.
    """
    before = page.viewport_size or DESKTOP
    problems: list[str] = []
    try:
        for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(viewport)
            _settle(page)
            for v in axe_violations(page):
                problems.append(
                    f"{size}: axe {v['impact']} {v['id']} ({v['help']}) on {v['count']} "
                    f"element(s): " + "; ".join(v["nodes"])
                )
            if size == "phone":
                problems += [f"phone: {what}" for what in overflowing(page)]
            shot(page, name, size)
    finally:
        page.set_viewport_size(before)
    assert not problems, f"{name} ({page.url}):\n  " + "\n  ".join(problems)
