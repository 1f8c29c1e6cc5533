"""The keys whose label history becomes a feature, as SQL expressions over ``shipments s``.

``features.py`` builds a history per key (rates, positives, inspections per label); the online
twin writes the same keys in Python (``online_state.key_values``) and the reasons name them
(``explain.SUBJECTS``). ``HISTORY_KEYS`` is the set in force: a bench may add ``PAIR_KEYS`` to it
(the dict is shared, so every module sees the change).
"""

from __future__ import annotations

# Declared amounts (in their own currency) at or over this get no ``hs6_value`` key: below it an
# amount in cents is an integer a double holds exactly, so SQL and online_state.py agree.
VALUE_KEY_LIMIT = 10**13
_HS6 = "substr(hs_code, 1, 6)"
_ROUTE = "origin_country || '>' || departure_country"
# Keys whose label history becomes a feature: name -> SQL expression over the shipments table.
PARTY_KEYS = {
    "importer": "importer_ref",
    "declarant": "declarant_ref",
    "seller": "seller_ref",
    "courier": "courier_ref",
    "shipper": "shipper_ref",
    "consignee": "consignee_ref",
}
GOODS_KEYS = {
    "hs6": _HS6,
    "hs2": "substr(hs_code, 1, 2)",
    "origin": "origin_country",
    "departure": "departure_country",
    "route": _ROUTE,
    "port": "port",
    "origin_hs6": f"origin_country || '|' || {_HS6}",
    "importer_hs6": f"importer_ref || '|' || {_HS6}",
    # Issue 14 (docs/targeting.md, "Third pass"): these goods on this route, and these goods
    # declared at exactly this amount in this currency (a repeated consignment or a reused
    # invoice value, in cents).
    "route_hs6": f"{_ROUTE} || '|' || {_HS6}",
    "hs6_value": f"{_HS6} || '|' || s.currency || '|' || CASE WHEN"
    f" s.declared_value >= 0 AND s.declared_value < {VALUE_KEY_LIMIT} THEN"
    " CAST(CAST(floor(s.declared_value * 100 + 0.5) AS DECIMAL(38, 0)) AS VARCHAR) END",
}
# Pair profiles (who declares for whom, where, from whom): not in HISTORY_KEYS by default — on
# KCS validation they were a wash and cost 57 % more feature CPU at 1M rows (docs/targeting.md);
# ``bench/targeting.py --pairs`` adds them (features, online twin and reasons all know them).
PAIR_KEYS = {
    "declarant_importer": "declarant_ref || '|' || importer_ref",
    "seller_importer": "seller_ref || '|' || importer_ref",
    "port_importer": "port || '|' || importer_ref",
    "port_hs6": f"port || '|' || {_HS6}",
}
HISTORY_KEYS = {**PARTY_KEYS, **GOODS_KEYS}
