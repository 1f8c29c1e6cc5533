"""Login and logout pages; the start page sends each caller to its home page."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from ringfence.errors import AuthError, ForbiddenError, ThrottledError
from ringfence.service.auth import clear_session_cookie, set_session_cookie
from ringfence.service.context import SESSION_COOKIE, Caller, Services, get_services
from ringfence.service.views import auth as auth_views
from ringfence.web.errors import HtmlRoute
from ringfence.web.nav import home_for
from ringfence.web.render import render
from ringfence.web.session import anonymous_or_caller, page_caller

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)


def _safe_next(next_url: str | None) -> str | None:
    """Only same-site paths are followed after login (no open redirect to another host)."""
    if next_url and next_url.startswith("/") and not next_url.startswith(("//", "/\\")):
        return next_url
    return None


def _cross_site(request: Request) -> bool:
    """Whether the login form was posted from another site's page ("login CSRF": a page that
    signs the visitor into the attacker's account, whose work then lands there). Browsers say
    so in ``Sec-Fetch-Site``; without it, a foreign ``Origin`` does (``null`` is what our own
    no-referrer pages send). A request with neither (a script) is let through."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site not in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return False
    return origin.split("://", 1)[-1].rstrip("/") != request.headers.get("host", "")


@router.get("/")
async def start(caller: Caller = Depends(page_caller)) -> Response:
    """The start page: the caller's home (officers their queue, others the dashboard)."""
    return RedirectResponse(home_for(caller), status_code=303)


@router.get("/login")
async def login_page(
    request: Request,
    next: str | None = None,
    signed_out: bool = False,
    caller: Caller | None = Depends(anonymous_or_caller),
) -> Response:
    """The login form; an already logged-in browser goes straight to its home page."""
    if caller is not None and caller.via_session:
        return RedirectResponse(_safe_next(next) or home_for(caller), status_code=303)
    notice = "You are signed out." if signed_out else None
    return render(
        request, "pages/login.html", title="Sign in", next_url=_safe_next(next) or "", email="",
        notice=notice,
    )  # fmt: skip


@router.post("/login")
async def login(
    request: Request,
    email: str = Form(""),
    password: str = Form(""),
    next: str = Form(""),
    services: Services = Depends(get_services),
) -> Response:
    """Check the password through the backend's login view and set the session cookie."""
    if _cross_site(request):
        raise ForbiddenError("sign in from Ringfence's own login page")
    try:
        address = request.client.host if request.client else "unknown"
        result = auth_views.login(services, email, password, address)
    except ThrottledError as exc:
        page = render(
            request, "pages/login.html", title="Sign in", status_code=429,
            error=f"Too many failed sign-ins. Try again in {exc.retry_after} seconds.",
            next_url=_safe_next(next) or "", email=email,
        )  # fmt: skip
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    except AuthError:
        return render(
            request, "pages/login.html", title="Sign in", status_code=401,
            error="That e-mail and password do not match an account.",
            next_url=_safe_next(next) or "", email=email,
        )  # fmt: skip
    response = RedirectResponse(_safe_next(next) or home_for(result.caller), status_code=303)
    set_session_cookie(request, response, result.token)
    return response


@router.post("/logout")
async def logout(
    request: Request,
    _caller: Caller = Depends(page_caller),
    services: Services = Depends(get_services),
) -> Response:
    """End the session (the CSRF token was checked when the caller was read) and forget it."""
    token = request.cookies.get(SESSION_COOKIE, "")
    auth_views.logout(services, token)
    response = RedirectResponse("/login?signed_out=1", status_code=303)
    clear_session_cookie(request, response)
    return response
