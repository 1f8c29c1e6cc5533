"""Demo access: users per role, the standing agreements, idempotent re-runs."""

from __future__ import annotations

import pytest

from ringfence.errors import AuthError
from ringfence.service.seed import format_logins, seed_demo_access
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore


def test_seed_is_idempotent_and_renews_passwords(settings: Settings) -> None:
    with OperationalStore.open(settings) as store:
        for slug, kind in (("cx", "customs"), ("carrier", "carrier"), ("brand", "brand")):
            store.ensure_organisation(slug, slug.upper(), kind)
        first = seed_demo_access(store)
        agreements = len(store.sharing_agreements())
        second = seed_demo_access(store)
        assert [(x.email, x.role) for x in first] == [(x.email, x.role) for x in second]
        assert len(store.sharing_agreements()) == agreements > 0
        officer = next(x for x in second if x.role == "officer")
        assert store.authenticate_password(officer.email, officer.password).organisation == "cx"
        old = next(x for x in first if x.role == "officer")
        with pytest.raises(AuthError):  # the first password no longer works
            store.authenticate_password(old.email, old.password)
        datasets = {(a.owner, a.recipient, a.dataset) for a in store.sharing_agreements()}
        assert ("cx", "brand", "seizures") in datasets
        assert ("carrier", "cx", "shipments") in datasets
        assert ("cx", "carrier", "seizures") in datasets
    table = format_logins(second, "http://127.0.0.1:8000/")
    assert officer.email in table and officer.password in table
