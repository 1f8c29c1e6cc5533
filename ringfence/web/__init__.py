"""The web UI for officers, analysts and investigators (service issue).

``install(app)`` adds the HTML pages and the static files to the service's FastAPI app; the pages
render the same pydantic models the JSON API returns, from the same backend views.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from ringfence.web.errors import html_error_renderer
from ringfence.web.pages import pages_router
from ringfence.web.render import STATIC_DIR


def install(app: FastAPI) -> None:
    """Add the HTML routes and the /static mount to ``app``; browsers get HTML error pages."""
    app.include_router(pages_router())
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    app.state.html_error_renderer = html_error_renderer


__all__ = ["install"]
