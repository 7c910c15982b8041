"""The DEMO directory: a few hundred fictitious services over the 19 communes, generated deterministically.

Nothing here is a real organisation. Each record is marked as demo data three times over: "[DEMO]" in
its name, a sentence in its description, and an attribute (value "demo") plus a metadata entry; the
API also returns "demo": true for them. Phone numbers are in the unassigned 02 000 range.
"""

import random
import uuid
from datetime import UTC, datetime
from pathlib import Path

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb import models as m
from kb.geo import communes, resolve_place
from kb.hsds import DEMO_MARK
from kb.importer import RecordSet, load_taxonomy, write
from kb.taxonomy import TAXONOMY_ID, term_uuid

DATA = Path(__file__).parent / "data" / "demo_directory.yaml"
DEMO_NS = uuid.UUID("5e0d7c1a-2b3c-4d5e-8f90-a1b2c3d4e5f6")
DEMO_TERM_ID = str(uuid.uuid5(DEMO_NS, "term:demo"))
SEED = 20240426
NEEDS_PER_COMMUNE = 16
NOTE = {
    "nl": "DEMOGEGEVENS — fictieve dienst, niet bellen.",
    "fr": "DONNÉES DE DÉMO — service fictif, ne pas appeler.",
}
VERIFIED_AT = datetime(2024, 1, 15, tzinfo=UTC).isoformat()


def _id(*parts: object) -> str:
    return str(uuid.uuid5(DEMO_NS, ":".join(map(str, parts))))


def demo_recordset() -> RecordSet:
    with DATA.open(encoding="utf-8") as fh:
        needs = yaml.safe_load(fh)["needs"]
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
    phone_seq = 0
    for commune in communes():
        chosen = rng.sample(needs, NEEDS_PER_COMMUNE)
        for need in sorted(chosen, key=lambda n: n["key"]):
            key = f"{commune.slug}:{need['key']}"
            org_id, svc_id, loc_id = _id("org", key), _id("service", key), _id("location", key)
            names = {
                lang: "[DEMO] " + need[lang]["name"].format(commune=commune.name(lang))
                for lang in ("nl", "fr")
            }
            descriptions = {lang: f"{need[lang]['description']} {NOTE[lang]}" for lang in ("nl", "fr")}
            rs.add(
                "organization",
                {
                    "id": org_id,
                    "is_demo": True,
                    "translations": {
                        lang: {"name": names[lang], "description": NOTE[lang]} for lang in ("nl", "fr")
                    },
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
                    "url": f"https://example.org/demo/{commune.slug}/{need['key']}",
                    "translations": {
                        lang: {"name": names[lang], "description": descriptions[lang]}
                        for lang in ("nl", "fr")
                    },
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
                    "translations": {lang: {"name": names[lang]} for lang in ("nl", "fr")},
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
            rs.add(
                "service_at_location",
                {"id": _id("sal", key), "service_id": svc_id, "location_id": loc_id},
                key,
            )
            phone_seq += 1
            rs.add(
                "phone",
                {
                    "id": _id("phone", key),
                    "service_id": svc_id,
                    "type": "voice",
                    "number": f"02 000 {phone_seq // 100:02d} {phone_seq % 100:02d}",
                },
                key,
            )
            days = rng.choice(["MO,TU,WE,TH,FR", "MO,TU,TH,FR", "MO,WE,FR", "TU,TH"])
            opens = rng.choice(["08:30", "09:00", "09:30"])
            rs.add(
                "schedule",
                {
                    "id": _id("schedule", key),
                    "service_id": svc_id,
                    "freq": "WEEKLY",
                    "byday": days,
                    "opens_at": opens,
                    "closes_at": rng.choice(["12:30", "16:00", "17:00"]),
                },
                key,
            )
            spoken = rng.choice(
                [["nl", "fr"], ["nl", "fr"], ["fr"], ["nl"], ["nl", "fr", "en"], ["fr", "ar"]]
            )
            for code in spoken:
                rs.add(
                    "language", {"id": _id("language", key, code), "service_id": svc_id, "code": code}, key
                )
            for cid in need["categories"]:
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
    return rs


def load_demo(session: Session, if_empty: bool = False) -> int:
    """Load the taxonomy and the demo directory; returns how many demo services were loaded.

    With if_empty, nothing is loaded when the directory already has services (returns 0).
    """
    if if_empty and session.scalar(select(func.count()).select_from(m.Service)):
        return 0
    load_taxonomy(session)
    report = write(demo_recordset(), session)
    return report.created.get("service", 0) + report.updated.get("service", 0)
