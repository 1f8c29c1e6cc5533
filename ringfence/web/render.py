"""Rendering: the Jinja2 environment, its filters, and one ``render`` every page goes through.

Pages pass the pydantic model a backend view returned (the same object the JSON twin dumps) plus
a few presentation values; the page chrome (caller, navigation, CSRF token) is added here so
route handlers stay one call to a view and one call to ``render``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from ringfence import __version__ as _package_version
from ringfence.errors import RingfenceError
from ringfence.web import risk
from ringfence.web.nav import nav_for

WEB_DIR = Path(__file__).parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"


def static_url(path: str) -> str:
    """URL of a static file, versioned so a new release is never served from a stale cache."""
    return f"/static/{path}?v={_package_version}"


def percent(value: float | None, digits: int = 0) -> str:
    """0.4567 → '46%'; None → '—'."""
    if value is None:
        return "—"
    return f"{100.0 * float(value):.{digits}f}%"


def number(value: float | int | None, digits: int = 0) -> str:
    """Thousands separated with thin spaces; None → '—'."""
    if value is None:
        return "—"
    return f"{float(value):,.{digits}f}".replace(",", "\u202f")


def when(value: Any) -> str:
    """A date or datetime as people read it (UTC, minutes); an ISO date-time string likewise,
    other strings pass through."""
    if value is None or value == "":
        return "—"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and "T" in value[10:11]:  # an ISO time from a JSON-shaped model
        try:
            return when(dt.datetime.fromisoformat(value))
        except ValueError:
            pass
    return str(value)


# How the template being rendered names organisations (set by ``render`` for its request).
_ORG_NAMES: ContextVar[Callable[[str], str] | None] = ContextVar("org_names", default=None)


def org_name(slug: Any) -> str:
    """An organisation's name for its slug ('swiftpost' → 'SwiftPost Express'); the slug
    itself when it names no organisation (or outside a request)."""
    text = "" if slug is None else str(slug)
    lookup = _ORG_NAMES.get()
    return lookup(text) if lookup is not None and text else text


def _names_from(request: Request) -> Callable[[str], str] | None:
    services = getattr(request.app.state, "services", None)
    if services is None:
        return None

    def name(slug: str) -> str:
        try:
            return str(services.organisation(slug).name or slug)
        except RingfenceError:  # not an organisation: shown as it is
            return slug

    return name


def reason_kind(reason: Any) -> str:
    """CSS class of a reason chip: rule / model / network / watchlist / explore, else ''."""
    text = json.dumps(reason).lower() if not isinstance(reason, str) else reason.lower()
    for kind in ("watchlist", "network", "explore", "rule", "model"):
        if kind in text:
            return kind
    return ""


_WEIGHT = re.compile(r"^(?P<text>.*?)\s*\((?P<weight>[+-]\d+(?:\.\d+)?)\)$")


def reason_parts(reason: Any) -> tuple[str, str]:
    """A reason's text and its model contribution: 'x is high (+0.80)' → ('x is high', '+0.80')."""
    text = reason if isinstance(reason, str) else json.dumps(reason, default=str)
    found = _WEIGHT.match(text)
    if found is None:
        return text, ""
    return found["text"], found["weight"]


def present_columns(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[tuple[str, str, str]],
    with_value: bool = False,
) -> list[tuple[str, str, str]]:
    """The columns at least one row carries (the sharing policy may have withheld the rest);
    with ``with_value``, only those at least one row has a value in."""
    keys: set[str] = set()
    for row in rows:
        keys.update(k for k, v in row.items() if not with_value or v not in (None, ""))
    return [column for column in columns if column[0] in keys]


def to_json(value: Any) -> Markup:
    """JSON safe to put inside a <script type="application/json"> block."""
    text = json.dumps(value, default=str).replace("<", "\\u003c").replace(">", "\\u003e")
    return Markup(text)  # escaped above: no tag can close the script block


def with_query(request: Request, **changes: Any) -> str:
    """The current path with some query parameters changed (None removes one)."""
    params = dict(request.query_params)
    for key in getattr(request.state, "dropped_params", ()):  # a bad part of a shared link
        params.pop(key, None)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    query = urlencode(params)
    return f"{request.url.path}?{query}" if query else request.url.path


def _environment() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env = templates.env
    env.globals.update(static=static_url, org_name=org_name)
    env.filters.update(
        percent=percent,
        number=number,
        when=when,
        reason_kind=reason_kind,
        to_json=to_json,
        reason_parts=reason_parts,
        present_columns=present_columns,
        risk_band=risk.risk_band,
        risk_percent=risk.risk_percent,
        reason=risk.reason,
        plural=risk.plural,
        org_name=org_name,
    )
    env.globals.update(
        weight_help=risk.WEIGHT_HELP, band_legend=risk.BAND_LEGEND, guess_brand=risk.guess_brand
    )
    return templates


TEMPLATES = _environment()


def render(
    request: Request,
    template: str,
    *,
    title: str,
    active: str = "",
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render ``template`` inside the page chrome of the request's caller (if logged in)."""
    caller = getattr(request.state, "web_caller", None)
    page = {
        "request": request,
        "title": title,
        "active": active,
        "caller": caller,
        "csrf": getattr(request.state, "web_csrf", ""),
        "organisation_name": getattr(request.state, "web_organisation", ""),
        "nav": nav_for(caller) if caller is not None else [],
        "with_query": lambda **changes: with_query(request, **changes),
    }
    page.update(context)
    names = _ORG_NAMES.set(_names_from(request))
    try:  # the template is rendered here, so org_name() answers for this request
        return TEMPLATES.TemplateResponse(request, template, page, status_code=status_code)
    finally:
        _ORG_NAMES.reset(names)


def wants_fragment(request: Request) -> bool:
    """Whether htmx asked for a fragment (not a history restore, which needs the whole page)."""
    headers = request.headers
    restoring = headers.get("HX-History-Restore-Request") == "true"
    return headers.get("HX-Request") == "true" and not restoring
