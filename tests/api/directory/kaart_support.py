"""Sociale kaart records for the kaart tests: an HSDS document with fresh ids, written to a file."""

import json
import uuid
from pathlib import Path


def hsds_document(ids: dict[str, str], name: str = "Buurthuis De Linde", phone: str = "02 511 11 11") -> dict:
    """One organisation with one service at one location, as social.brussels would send it (HSDS 3.0)."""
    return {
        "organizations": [{
            "id": ids["org"], "name": "vzw De Linde", "description": "Buurtwerk",
            "translations": {"nl": {"name": "vzw De Linde"}, "fr": {"name": "asbl Le Tilleul"}},
        }],
        "services": [{
            "id": ids["service"], "organization_id": ids["org"], "status": "active",
            "email": "info@delinde.example",
            "translations": {"nl": {"name": name, "description": "Sociaal onthaal en huiswerkklas"},
                             "fr": {"name": "Maison de quartier Le Tilleul", "description": "Accueil social"}},
            "phones": [{"id": ids["phone"], "number": phone, "type": "voice"}],
            "schedules": [{"id": ids["schedule"], "freq": "WEEKLY", "byday": "MO,TU", "opens_at": "09:00",
                           "closes_at": "12:00"}],
            "languages": [{"id": ids["language"], "code": "nl"}],
            "service_at_locations": [{
                "id": ids["sal"], "location": {
                    "id": ids["location"], "location_type": "physical", "organization_id": ids["org"],
                    "name": "De Linde", "latitude": 50.85, "longitude": 4.35,
                    "addresses": [{"id": ids["address"], "address_1": "Lindestraat 1", "city": "Brussel",
                                   "postal_code": "1000", "country": "BE", "address_type": "physical"}],
                },
            }],
        }],
    }


def new_ids() -> dict[str, str]:
    return {k: str(uuid.uuid4()) for k in ("org", "service", "phone", "schedule", "language", "sal", "location",
                                           "address")}


def write_file(tmp_path: Path, doc: dict, name: str = "source.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path
