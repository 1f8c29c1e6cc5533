"""Synthetic labelled parties for bench/pprl.py: two partners' noisy views of the same entities.

Noise: typos, swapped name order, legal-form variants, accents, upper/lower case, national vs
international phones, country names vs codes, missing fields, duplicates within a file and
namesakes (a China-heavy mix with few Chinese surnames).
"""

from __future__ import annotations

import random
from typing import Any

import pyarrow as pa

from ringfence.resolve.names import normalise_name
from ringfence.resolve.pprl.encode import PARTY_COLUMNS

GIVEN = {
    "DE": ["Hans", "Jürgen", "Katrin", "Stefan", "Sabine", "Uwe", "Jörg", "Petra", "Lukas",
           "Monika", "Andreas", "Tobias", "Anja", "Frank", "Heike", "Matthias", "Ute", "Jan"],
    "GB": ["James", "Oliver", "Amelia", "Harry", "Sophie", "Jack", "Emily", "George", "Isla",
           "Thomas", "Grace", "Charlotte", "William", "Lily", "Oscar", "Freya", "Alfie"],
    "TR": ["Mehmet", "Ayşe", "Mustafa", "Fatma", "Emre", "Zeynep", "Burak", "Elif", "Hüseyin",
           "Merve", "Murat", "Esra", "Hakan", "Derya", "Serkan", "Gül", "Ozan"],
    "ES": ["José", "María", "Javier", "Lucía", "Álvaro", "Sofía", "Andrés", "Carmen", "Pablo",
           "Elena", "Sergio", "Paula", "Raúl", "Marta", "Iván", "Nuria", "Diego"],
    "US": ["Michael", "Jennifer", "David", "Jessica", "Chris", "Ashley", "Daniel", "Sarah",
           "Kevin", "Amanda", "Brian", "Megan", "Jason", "Nicole", "Ryan", "Tyler"],
}  # fmt: skip
# Chinese given names are mostly one or two free syllables: far more varied than the surnames.
SYLLABLES = ["wei", "fang", "jing", "lei", "min", "yan", "jun", "hui", "ming", "na", "xiao",
             "hong", "li", "qiang", "ying", "tao", "jie", "ping", "gang", "yu", "hua", "lin",
             "xin", "bo", "chen", "kai", "rui", "zhi", "hao", "yi"]  # fmt: skip
FAMILY = {
    "CN": ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou"],
    "DE": ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker"],
    "GB": ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Thomas"],
    "TR": ["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Öztürk", "Aydın"],
    "ES": ["García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez"],
    "US": ["Johnson", "Miller", "Davis", "Garcia", "Rodriguez", "Martinez", "Anderson"],
}  # fmt: skip
STEMS = ["Golden", "Star", "Dragon", "Bright", "Ocean", "Lucky", "Prime", "Global", "Sun",
         "Royal", "Eagle", "Jade", "Silver", "Unity", "Grand", "Pacific", "Nova", "Delta",
         "Harmony", "Phoenix", "Orient", "Summit", "Crystal", "Fortune"]  # fmt: skip
TRADES = ["Trading", "Import Export", "Electronics", "Textile", "Logistics", "Apparel",
          "Industrial", "Commerce", "Technology", "Leather Goods", "Cosmetics"]  # fmt: skip
FORMS = {"CN": ["Co., Ltd", "Co Ltd", "Limited", ""], "DE": ["GmbH", "GmbH & Co. KG", ""],
         "GB": ["Ltd", "Limited", "Ltd.", ""], "TR": ["Ltd. Şti.", "A.Ş.", ""],
         "ES": ["S.L.", "S.A.", ""], "US": ["Inc", "LLC", "Inc.", ""]}  # fmt: skip
CITIES = {
    "CN": ["Shenzhen", "Guangzhou", "Yiwu", "Shanghai"],
    "DE": ["Berlin", "Hamburg", "Köln"],
    "GB": ["London", "Leeds", "Manchester"],
    "TR": ["İstanbul", "İzmir", "Bursa"],
    "ES": ["Madrid", "Valencia", "Sevilla"],
    "US": ["Newark", "Miami", "Houston"],
}
COUNTRY_NAMES = {"CN": "China", "DE": "Germany", "GB": "United Kingdom", "TR": "Türkiye",
                 "ES": "Spain", "US": "United States"}  # fmt: skip
PHONE = {"CN": ("+86", "13", 9), "DE": ("+49", "30", 8), "GB": ("+44", "20", 8),
         "TR": ("+90", "212", 7), "ES": ("+34", "91", 7), "US": ("+1", "212", 7)}  # fmt: skip
# Weighted so that China dominates, as in counterfeit trade: more namesakes, harder blocking.
COUNTRY_WEIGHTS = {"CN": 5, "DE": 1, "GB": 1, "TR": 1, "ES": 1, "US": 1}


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _given_name(rng: random.Random, country: str) -> str:
    if country != "CN":
        return rng.choice(GIVEN[country])
    return "".join(rng.sample(SYLLABLES, rng.choice((1, 2, 2, 2, 2, 2)))).title()


def make_entity(rng: random.Random, number: int) -> dict[str, Any]:
    """One true party with its clean attributes."""
    country = rng.choices(list(COUNTRY_WEIGHTS), weights=list(COUNTRY_WEIGHTS.values()))[0]
    is_company = rng.random() < 0.45
    if is_company:
        # A coined brand word ("Xinda", "Huafeng") makes most company names distinctive, as in
        # real registers; the stems and trades alone would make thousands of namesakes.
        brand = "".join(rng.sample(SYLLABLES, 2)).title()
        words = [brand, *rng.sample(STEMS, rng.choice((0, 0, 1))), rng.choice(TRADES)]
        if rng.random() < 0.3:
            words.insert(0, rng.choice(CITIES[country]))
        name = " ".join([*words, rng.choice(FORMS[country])]).strip()
    else:
        name = f"{_given_name(rng, country)} {rng.choice(FAMILY[country])}"
    code, prefix, rest = PHONE[country]
    handle = normalise_name(name).replace(" ", ".")[:20] or "info"
    return {
        "entity": number, "country": country, "name": name, "is_company": is_company,
        "city": rng.choice(CITIES[country]),
        "street": f"{rng.randint(1, 300)} {rng.choice(STEMS)} {rng.choice(['Rd', 'Street'])}",
        "postcode": _digits(rng, 5),
        "phone": f"{code}{prefix}{_digits(rng, rest)}",
        "email": f"{handle}{rng.randint(1, 99)}@{rng.choice(['mail.com', 'qq.com', 'web.de'])}",
        "identifier": f"{country}{_digits(rng, 9)}" if is_company else None,
        "bank_account": f"{country}{_digits(rng, 18)}" if rng.random() < 0.5 else None,
    }  # fmt: skip


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    op = rng.choice("sdit")
    if op == "s":
        return text[:i] + rng.choice("abcdefghijklmnopqrstuvwxyz") + text[i + 1 :]
    if op == "d":
        return text[:i] + text[i + 1 :]
    if op == "i":
        return text[:i] + rng.choice("aeinorst") + text[i:]
    return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]


def _noisy_name(rng: random.Random, entity: dict[str, Any]) -> str:
    name = entity["name"]
    if entity["is_company"] and rng.random() < 0.5:
        base = name
        for form in sorted(FORMS[entity["country"]], key=len, reverse=True):
            if form and base.endswith(form):
                base = base[: -len(form)].strip()
                break
        name = f"{base} {rng.choice(FORMS[entity['country']])}".strip()
    elif not entity["is_company"] and rng.random() < 0.4:
        name = " ".join(reversed(name.split()))
    if rng.random() < 0.35:
        name = _typo(rng, name)
    return rng.choice([name, name.upper(), name.lower(), name])


def _noisy_phone(rng: random.Random, entity: dict[str, Any]) -> str:
    phone: str = entity["phone"]
    code, *_ = PHONE[entity["country"]]
    if rng.random() < 0.4:  # national form: the country hint must restore it
        phone = ("0" if code != "+1" else "") + phone[len(code) :]
    if rng.random() < 0.3:
        phone = " ".join(phone[i : i + 3] for i in range(0, len(phone), 3))
    return phone


def make_mention(rng: random.Random, entity: dict[str, Any], mention_id: str) -> dict[str, Any]:
    """One partner's noisy, incomplete record of an entity."""
    keep = {"street": 0.5, "city": 0.7, "postcode": 0.4, "phone": 0.6, "email": 0.5,
            "identifier": 0.5, "bank_account": 0.4}  # fmt: skip
    country = entity["country"]
    row: dict[str, Any] = {
        "id": mention_id, "entity": entity["entity"],
        "schema": "Company" if entity["is_company"] else "Person",
        "name": _noisy_name(rng, entity),
        "country": rng.choice([country, COUNTRY_NAMES[country], country.lower()]),
    }  # fmt: skip
    for field, p in keep.items():
        value = entity[field] if rng.random() < p else None
        if value and field == "phone":
            value = _noisy_phone(rng, entity)
        elif value and field == "email" and rng.random() < 0.3:
            value = value.upper()
        elif value and field == "street" and rng.random() < 0.3:
            value = _typo(rng, value)
        row[field] = value
    return row


def make_world(seed: int, entities: int) -> tuple[pa.Table, pa.Table, set[tuple[str, str]]]:
    """Two partners' parties tables and the true (left_id, right_id) pairs."""
    rng = random.Random(seed)
    left: list[dict[str, Any]] = []
    right: list[dict[str, Any]] = []
    for number in range(entities):
        entity = make_entity(rng, number)
        where = rng.random()
        sides = [left, right] if where < 0.5 else [left] if where < 0.75 else [right]
        for side in sides:
            copies = 2 if rng.random() < 0.08 else 1  # the same party twice in one file
            for _ in range(copies):
                prefix = "L" if side is left else "R"
                side.append(make_mention(rng, entity, f"{prefix}{len(side)}"))
    truth = {(a["id"], b["id"]) for a, b in same_entity(left, right)}
    return parties_table(left), parties_table(right), truth


def same_entity(left: list[dict[str, Any]], right: list[dict[str, Any]]) -> list[Any]:
    """Every (left row, right row) pair of the same ``entity``."""
    by_entity: dict[Any, list[dict[str, Any]]] = {}
    for row in right:
        by_entity.setdefault(row["entity"], []).append(row)
    return [(a, b) for a in left for b in by_entity.get(a["entity"], [])]


def parties_table(rows: list[dict[str, Any]]) -> pa.Table:
    """Rows as a parties table of ``PARTY_COLUMNS``, every value as text."""
    return pa.table(
        {c: [None if r.get(c) is None else str(r[c]) for r in rows] for c in PARTY_COLUMNS},
        schema=pa.schema([(c, pa.string()) for c in PARTY_COLUMNS]),
    )
