"""The DEMO directory: some 1 500 fictitious services over the 19 communes, generated deterministically.

Nothing here is a real organisation. Each record is marked as demo data three times over: "[DEMO]" in
its name, a sentence in its description, and an attribute (value "demo") plus a metadata entry; the
API also returns "demo": true for them. Phone numbers are in the unassigned 02 000 range, web addresses
on example.org.

What it holds (kb/data/demo_directory.yaml):
- the hand-written templates (`needs`: home nursing, food aid, debts, ...) in every commune;
- one service per category citizens ask for (`asked_categories`, and every category at least
  `min_organisations` organisations of social.brussels offer, professionals' categories aside) in a
  number of communes that grows with how common the category is (LOCAL_PER_ORGANISATIONS), spread
  round the 19 communes;
- for the rarer of those categories (at most REGION_WIDE_BELOW communes), one service for the whole
  Brussels-Capital Region (a service_area with extent REGION_EXTENT), as many helplines and
  specialised services are, so that a need is never without any service.
"""

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb import models as m
from kb.geo import Commune, communes, resolve_place
from kb.hsds import DEMO_MARK
from kb.import_records import RecordSet
from kb.importer import load_taxonomy, write
from kb.taxonomy import TAXONOMY_ID, categories, term_uuid

DATA = Path(__file__).parent / "data" / "demo_directory.yaml"
DEMO_NS = uuid.UUID("5e0d7c1a-2b3c-4d5e-8f90-a1b2c3d4e5f6")
DEMO_TERM_ID = str(uuid.uuid5(DEMO_NS, "term:demo"))
SEED = 20240426
LOCAL_PER_ORGANISATIONS = 20  # a category gets one commune per 20 organisations offering it ...
ASKED_BONUS = 2  # ... plus two when citizens ask for it
REGION_WIDE_BELOW = 3  # categories in fewer communes than this also get a region-wide service
REGION_EXTENT = "BE-BRU"  # ISO 3166-2 code of the Brussels-Capital Region
REGION = {"nl": "Brussels Hoofdstedelijk Gewest", "fr": "Région de Bruxelles-Capitale"}
NOTE = {
    "nl": "DEMOGEGEVENS — fictieve dienst, niet bellen.",
    "fr": "DONNÉES DE DÉMO — service fictif, ne pas appeler.",
}
FOR_CATEGORY = {"nl": "Fictieve dienst voor: {title}.", "fr": "Service fictif pour : {title}."}
WHOLE_REGION = {"nl": "Voor heel het Brussels Gewest.", "fr": "Pour toute la Région bruxelloise."}
VERIFIED_AT = datetime(2024, 1, 15, tzinfo=UTC).isoformat()


@dataclass(frozen=True)
class Planned:
    """One demo service to generate: its key (stable ids derive from it), office and texts."""

    key: str
    commune: Commune  # where its office is
    categories: tuple[int, ...]
    names: dict[str, str]
    descriptions: dict[str, str]
    url_path: str
    region_wide: bool = False


def _id(*parts: object) -> str:
    return str(uuid.uuid5(DEMO_NS, ":".join(map(str, parts))))


def _settings() -> dict:
    with DATA.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def demo_categories() -> list[int]:
    """The categories that get services of their own besides the templates, in id order."""
    settings = _settings()
    cats = categories()
    asked = set(settings["asked_categories"])
    common = {
        c.id
        for c in cats.values()
        if c.organisations_count >= settings["min_organisations"] and not c.for_professionals
    }
    in_templates = {c for need in settings["needs"] for c in need["categories"]}
    return sorted((asked | common) - in_templates)


def local_count(category_id: int, asked: set[int]) -> int:
    """In how many communes a category has a DEMO service of its own (0 to 19)."""
    organisations = categories()[category_id].organisations_count
    bonus = ASKED_BONUS if category_id in asked else 0
    return min(len(communes()), organisations // LOCAL_PER_ORGANISATIONS + bonus)


def plan() -> list[Planned]:
    """Every demo service, in a fixed order (the order decides phone numbers and random draws)."""
    settings = _settings()
    all_communes = communes()
    out: list[Planned] = []
    for commune in all_communes:
        for need in sorted(settings["needs"], key=lambda n: n["key"]):
            out.append(
                Planned(
                    key=f"{commune.slug}:{need['key']}",
                    commune=commune,
                    categories=tuple(need["categories"]),
                    names={
                        lang: "[DEMO] " + need[lang]["name"].format(commune=commune.name(lang))
                        for lang in ("nl", "fr")
                    },
                    descriptions={lang: need[lang]["description"] for lang in ("nl", "fr")},
                    url_path=f"{commune.slug}/{need['key']}",
                )
            )
    asked = set(settings["asked_categories"])
    cats = categories()
    cursor = 0  # round the communes, so that every commune gets its share
    for cid in demo_categories():
        cat = cats[cid]
        titles = {"nl": cat.title_nl, "fr": cat.title_fr}
        what = {lang: FOR_CATEGORY[lang].format(title=titles[lang]) for lang in ("nl", "fr")}
        n = local_count(cid, asked)
        for k in range(n):
            commune = all_communes[(cursor + k) % len(all_communes)]
            out.append(
                Planned(
                    key=f"{commune.slug}:cat{cid}",
                    commune=commune,
                    categories=(cid,),
                    names={lang: f"[DEMO] {titles[lang]} – {commune.name(lang)}" for lang in ("nl", "fr")},
                    descriptions=what,
                    url_path=f"{commune.slug}/cat{cid}",
                )
            )
        cursor += n
        if n < REGION_WIDE_BELOW:
            office = all_communes[cursor % len(all_communes)]
            cursor += 1
            out.append(
                Planned(
                    key=f"region:cat{cid}",
                    commune=office,
                    categories=(cid,),
                    names={lang: f"[DEMO] {titles[lang]} – {REGION[lang]}" for lang in ("nl", "fr")},
                    descriptions={lang: f"{what[lang]} {WHOLE_REGION[lang]}" for lang in ("nl", "fr")},
                    url_path=f"region/cat{cid}",
                    region_wide=True,
                )
            )
    return out


def demo_recordset() -> RecordSet:
    rng = random.Random(SEED)
    rs = RecordSet("demo_directory.yaml")
    rs.add(
        "taxonomy_term",
        {
            "id": DEMO_TERM_ID,
            "code": "demo",
            "taxonomy": "gbo",
            "taxonomy_id": TAXONOMY_ID,
            "translations": {
                "nl": {"name": "Demogegevens", "description": "Fictief record voor demonstratie"},
                "fr": {"name": "Données de démo", "description": "Enregistrement fictif de démonstration"},
            },
        },
        "demo term",
    )
    for seq, planned in enumerate(plan(), start=1):
        _add_service(rs, rng, planned, seq)
    return rs


def _add_service(rs: RecordSet, rng: random.Random, p: Planned, seq: int) -> None:
    key, commune = p.key, p.commune
    org_id, svc_id, loc_id = _id("org", key), _id("service", key), _id("location", key)
    rs.add(
        "organization",
        {
            "id": org_id,
            "is_demo": True,
            "translations": {lang: {"name": p.names[lang], "description": NOTE[lang]} for lang in ("nl", "fr")},
        },
        key,
    )
    rs.add(
        "service",
        {
            "id": svc_id,
            "organization_id": org_id,
            "status": "active",
            "is_demo": True,
            "url": f"https://example.org/demo/{p.url_path}",
            "translations": {
                lang: {"name": p.names[lang], "description": f"{p.descriptions[lang]} {NOTE[lang]}"}
                for lang in ("nl", "fr")
            },
        },
        key,
    )
    if p.region_wide:
        rs.add(
            "service_area",
            {
                "id": _id("service_area", key),
                "service_id": svc_id,
                "extent": REGION_EXTENT,
                "extent_type": "text",
                "translations": {lang: {"name": REGION[lang]} for lang in ("nl", "fr")},
            },
            key,
        )
    postcode = commune.postcodes[rng.randrange(len(commune.postcodes))]
    place = resolve_place(postcode)  # Laken, Haren, ... have their own centre
    lat = (place.lat or commune.lat) + rng.uniform(-0.008, 0.008)
    lon = (place.lon or commune.lon) + rng.uniform(-0.012, 0.012)
    rs.add(
        "location",
        {
            "id": loc_id,
            "organization_id": org_id,
            "location_type": "physical",
            "latitude": round(lat, 6),
            "longitude": round(lon, 6),
            "translations": {lang: {"name": p.names[lang]} for lang in ("nl", "fr")},
        },
        key,
    )
    number = rng.randint(1, 199)
    rs.add(
        "address",
        {
            "id": _id("address", key),
            "location_id": loc_id,
            "address_type": "physical",
            "country": "BE",
            "postal_code": postcode,
            "state_province": "Brussel/Bruxelles",
            "translations": {
                "nl": {"address_1": f"Demostraat {number}", "city": commune.name_nl},
                "fr": {"address_1": f"Rue de la Démo {number}", "city": commune.name_fr},
            },
        },
        key,
    )
    rs.add("service_at_location", {"id": _id("sal", key), "service_id": svc_id, "location_id": loc_id}, key)
    rs.add(
        "phone",
        {
            "id": _id("phone", key),
            "service_id": svc_id,
            "type": "voice",
            "number": f"02 000 {seq // 100:02d} {seq % 100:02d}",
        },
        key,
    )
    rs.add(
        "schedule",
        {
            "id": _id("schedule", key),
            "service_id": svc_id,
            "freq": "WEEKLY",
            "byday": rng.choice(["MO,TU,WE,TH,FR", "MO,TU,TH,FR", "MO,WE,FR", "TU,TH"]),
            "opens_at": rng.choice(["08:30", "09:00", "09:30"]),
            "closes_at": rng.choice(["12:30", "16:00", "17:00"]),
        },
        key,
    )
    spoken = rng.choice([["nl", "fr"], ["nl", "fr"], ["fr"], ["nl"], ["nl", "fr", "en"], ["fr", "ar"]])
    for code in spoken:
        rs.add("language", {"id": _id("language", key, code), "service_id": svc_id, "code": code}, key)
    for cid in p.categories:
        rs.add(
            "attribute",
            {
                "id": _id("attribute", key, cid),
                "link_id": svc_id,
                "link_entity": "service",
                "link_type": "category",
                "taxonomy_term_id": term_uuid(cid),
            },
            key,
        )
    rs.add(
        "attribute",
        {
            "id": _id("attribute", key, "demo"),
            "link_id": svc_id,
            "link_entity": "service",
            "link_type": "demo",
            "value": DEMO_MARK,
            "taxonomy_term_id": DEMO_TERM_ID,
        },
        key,
    )
    rs.add(
        "metadata",
        {
            "id": _id("metadata", key),
            "resource_id": svc_id,
            "resource_type": "service",
            "last_action_date": VERIFIED_AT,
            "last_action_type": "demo",
            "field_name": "",
            "previous_value": "",
            "replacement_value": DEMO_MARK,
            "updated_by": "kb.demo",
        },
        key,
    )
    rs.verified[svc_id] = (VERIFIED_AT, "kb.demo (fictitious)")


def load_demo(session: Session, if_empty: bool = False) -> int:
    """Load the taxonomy and the demo directory; returns how many demo services were loaded.

    With if_empty, nothing is loaded when the directory already has services (returns 0).
    """
    if if_empty and session.scalar(select(func.count()).select_from(m.Service)):
        return 0
    load_taxonomy(session)
    report = write(demo_recordset(), session)
    return report.created.get("service", 0) + report.updated.get("service", 0)


def read_accept_sets(path: Path) -> list[set[int]]:
    """The `accept` category ids of every need in a needs file (JSON lines, as bench/needs_eval.py reads)."""
    import json

    sets = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                accept = json.loads(line).get("accept") or []
                sets.append({int(c) for c in accept})
    return sets


def coverage(session: Session, accept_sets: list[set[int]], demo_only: bool = True) -> dict:
    """Which share of the needs has at least one service of an accepted category, per commune and region.

    Per commune, "local" counts services with an address in the commune, "reach" adds the region-wide
    ones (service_area extent REGION_EXTENT); "region" counts every service. Returns
    {"needs": n, "region": share, "communes": {slug: {"local": share, "reach": share}}}.
    """
    svc, attr, term = m.Service, m.Attribute, m.TaxonomyTerm
    demo = [svc.is_demo.is_(True)] if demo_only else []
    cats_of: dict[str, set[int]] = {}
    rows = session.execute(
        select(svc.id, term.code)
        .join(attr, (attr.link_id == svc.id) & (attr.link_entity == "service"))
        .join(term, term.id == attr.taxonomy_term_id)
        .where(svc.status == "active", *demo)
    )
    for sid, code in rows:
        if code and code.isdigit():
            cats_of.setdefault(sid, set()).add(int(code))
    region_wide = set(
        session.scalars(select(m.ServiceArea.service_id).where(m.ServiceArea.extent == REGION_EXTENT))
    )
    local: dict[str, set[int]] = {c.slug: set() for c in communes()}
    places = session.execute(
        select(m.ServiceAtLocation.service_id, m.Address.postal_code).join(
            m.Address, m.Address.location_id == m.ServiceAtLocation.location_id
        )
    )
    for sid, postcode in places:
        place = resolve_place(postcode) if sid in cats_of and postcode else None
        if place is not None and place.commune is not None:
            local[place.commune.slug] |= cats_of[sid]
    everywhere = set().union(*cats_of.values()) if cats_of else set()
    wide = set().union(*(cats_of[s] for s in region_wide if s in cats_of))

    def share(available: set[int]) -> float:
        return sum(1 for a in accept_sets if a & available) / len(accept_sets) if accept_sets else 0.0

    return {
        "needs": len(accept_sets),
        "region": share(everywhere),
        "communes": {slug: {"local": share(c), "reach": share(c | wide)} for slug, c in local.items()},
    }
