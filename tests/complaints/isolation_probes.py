"""Isolation probes of the complaint and brand-portal routes, joined to THE isolation test's
route table (``tests/service/test_isolation.py``): a notice is its two parties' (the brand that
filed it, the marketplace it was sent to); nobody else reads or acts on it, nobody files as
another brand, and only the receiving marketplace decides."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.service.test_isolation import API, NOT_VISIBLE, Probe, ProbeFn, _get
from tests.service.world import World

MARKER = "Foreign complaint of"
FILER = "brand-northpeak"
NO_ID = 2**31 - 1


def _market(world: World) -> str:
    return next(o for o, kind in sorted(world.kinds.items()) if kind == "marketplace")


def _notice(world: World) -> int:
    """A notice of the world's brand against a marketplace listing, its reason a marker."""
    from ringfence.store.operational import OperationalStore
    from ringfence.store.operational.complaints import ComplaintDraft

    market = _market(world)
    with OperationalStore.open(world.settings) as store:
        found = store.brand_complaints(organisation=FILER, limit=1)
        if found:
            return found[0].id
        draft = ComplaintDraft(FILER, market, "probe-listing", "probe-seller", "NorthPeak",
                               f"{MARKER} {FILER}", 0.9, True, "probe")  # fmt: skip
        return store.file_complaint(draft, actor="t").id


def _party(world: World, organisation: str) -> bool:
    return organisation in (FILER, _market(world))


def _file(client: TestClient, world: World, organisation: str) -> Probe:
    """Filing as the world's brand (not one's own) is refused; its own brand against a listing
    that does not exist is not found."""
    body = {"marketplace": _market(world), "listing": "probe-no-such-listing",
            "brand": "NorthPeak", "reason": "probe"}  # fmt: skip
    response = client.post(f"{API}/complaints", json=body, headers=world.headers(organisation))
    return Probe(response, NOT_VISIBLE)


def _list(client: TestClient, world: World, organisation: str) -> Probe:
    _notice(world)
    response = client.get(f"{API}/complaints", headers=world.headers(organisation))
    if not _party(world, organisation):
        assert MARKER not in response.text
    return Probe(response, {200})


def _one(client: TestClient, world: World, organisation: str) -> Probe:
    cid = _notice(world)
    response = client.get(f"{API}/complaints/{cid}", headers=world.headers(organisation))
    return Probe(response, {200} if _party(world, organisation) else {404})


def _market_step(step: str, body: dict[str, str]) -> ProbeFn:
    """A marketplace's step on a notice: others are refused (403) or it is not found (404);
    the marketplace itself is probed with a notice that is not its own."""

    def probe(client: TestClient, world: World, organisation: str) -> Probe:
        cid = NO_ID if organisation == _market(world) else _notice(world)
        response = client.post(f"{API}/complaints/{cid}/{step}", json=body,
                               headers=world.headers(organisation))  # fmt: skip
        return Probe(response, NOT_VISIBLE)

    return probe


def _withdraw(client: TestClient, world: World, organisation: str) -> Probe:
    cid = NO_ID if organisation == FILER else _notice(world)
    response = client.post(f"{API}/complaints/{cid}/withdraw", json={"reason": "probe"},
                           headers=world.headers(organisation))  # fmt: skip
    return Probe(response, NOT_VISIBLE)


def _portal(path: str) -> ProbeFn:
    def probe(client: TestClient, world: World, organisation: str) -> Probe:
        _notice(world)
        url = f"{API}/brand-portal/{path}".rstrip("/")
        response = client.get(url, headers=world.headers(organisation))
        if organisation != FILER:
            assert MARKER not in response.text
        return Probe(response, {200})

    return probe


COMPLAINT_PROBES: dict[tuple[str, str], ProbeFn] = {
    ("POST", f"{API}/complaints"): _file,
    ("GET", f"{API}/complaints"): _list,
    ("GET", f"{API}/complaints/privilege"): _get(f"{API}/complaints/privilege"),
    ("GET", f"{API}/complaints/{{complaint_id}}"): _one,
    ("POST", f"{API}/complaints/{{complaint_id}}/decide"): _market_step(
        "decide", {"decision": "upheld", "reason": "probe"}
    ),
    ("POST", f"{API}/complaints/{{complaint_id}}/counter-notice"): _market_step(
        "counter-notice", {"statement": "probe"}
    ),
    ("POST", f"{API}/complaints/{{complaint_id}}/reinstate"): _market_step(
        "reinstate", {"reason": "probe"}
    ),
    ("POST", f"{API}/complaints/{{complaint_id}}/withdraw"): _withdraw,
    ("GET", f"{API}/brand-portal"): _portal(""),
    ("GET", f"{API}/brand-portal/products"): _portal("products"),
    ("GET", f"{API}/brand-portal/complaints"): _portal("complaints"),
    ("GET", f"{API}/brand-portal/seizures"): _portal("seizures"),
    ("GET", f"{API}/brand-portal/codes"): _portal("codes"),
}
