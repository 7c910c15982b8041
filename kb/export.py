"""Export the whole directory as one HSDS 3.0 JSON document, and validate such documents.

Document shape: {"hsds_version", "generated_at", "language", "taxonomies": [taxonomy],
"taxonomy_terms": [taxonomy_term], "organizations": [compiled organization],
"services": [compiled service, fully nested]}. Every item validates against the matching schema of
Open Referral's HSDS 3.0 (shared/data/hsds-3.0/schema); kb.importer reads the document back.
"""

import json
from collections import defaultdict
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kb import models as m
from kb.hsds import HSDS_VERSION, organization_full_hsds, service_full_hsds, taxonomy_term_hsds, to_hsds

REPO_ROOT = Path(__file__).resolve().parents[1]
SCHEMA_DIRS = (REPO_ROOT.parent / "shared" / "data" / "hsds-3.0" / "schema",)
SCHEMA_FOR = {
    "taxonomies": "taxonomy.json",
    "taxonomy_terms": "taxonomy_term.json",
    "organizations": "compiled/organization.json",
    "services": "compiled/service.json",
}


def service_options():
    return (
        selectinload(m.Service.organization),
        selectinload(m.Service.phones).selectinload(m.Phone.languages),
        selectinload(m.Service.schedules),
        selectinload(m.Service.languages),
        selectinload(m.Service.service_areas),
        selectinload(m.Service.service_at_locations).selectinload(m.ServiceAtLocation.phones),
        selectinload(m.Service.service_at_locations).selectinload(m.ServiceAtLocation.schedules),
        selectinload(m.Service.service_at_locations)
        .selectinload(m.ServiceAtLocation.location)
        .options(
            selectinload(m.Location.addresses),
            selectinload(m.Location.phones).selectinload(m.Phone.languages),
            selectinload(m.Location.schedules),
            selectinload(m.Location.languages),
        ),
    )


def attributes_by_link(session: Session, link_ids: list[str]) -> dict[str, list[m.Attribute]]:
    out: dict[str, list[m.Attribute]] = defaultdict(list)
    for i in range(0, len(link_ids), 500):
        stmt = (
            select(m.Attribute)
            .where(m.Attribute.link_id.in_(link_ids[i : i + 500]))
            .options(selectinload(m.Attribute.taxonomy_term).selectinload(m.TaxonomyTerm.taxonomy_detail))
        )
        for a in session.scalars(stmt):
            out[a.link_id].append(a)
    return out


def metadata_by_resource(session: Session, ids: list[str]) -> dict[str, list[m.Metadata]]:
    out: dict[str, list[m.Metadata]] = defaultdict(list)
    for i in range(0, len(ids), 500):
        for x in session.scalars(select(m.Metadata).where(m.Metadata.resource_id.in_(ids[i : i + 500]))):
            out[x.resource_id].append(x)
    return out


def export_directory(session: Session, lang: str = "nl") -> dict:
    taxonomies = session.scalars(select(m.Taxonomy).order_by(m.Taxonomy.id)).all()
    terms = session.scalars(
        select(m.TaxonomyTerm)
        .options(selectinload(m.TaxonomyTerm.taxonomy_detail))
        .order_by(m.TaxonomyTerm.id)
    ).all()
    orgs = session.scalars(
        select(m.Organization)
        .options(
            selectinload(m.Organization.phones).selectinload(m.Phone.languages),
            selectinload(m.Organization.services),
            selectinload(m.Organization.locations).options(
                selectinload(m.Location.addresses),
                selectinload(m.Location.phones).selectinload(m.Phone.languages),
                selectinload(m.Location.schedules),
                selectinload(m.Location.languages),
            ),
        )
        .order_by(m.Organization.id)
    ).all()
    services = session.scalars(select(m.Service).options(*service_options()).order_by(m.Service.id)).all()
    ids = [o.id for o in orgs] + [s.id for s in services] + [loc.id for o in orgs for loc in o.locations]
    attributes = attributes_by_link(session, ids)
    metadata = metadata_by_resource(session, ids)
    return {
        "hsds_version": HSDS_VERSION,
        "generated_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "language": lang,
        "taxonomies": [to_hsds("taxonomy", t, lang) for t in taxonomies],
        "taxonomy_terms": [taxonomy_term_hsds(t, lang, with_detail=False) for t in terms],
        "organizations": [organization_full_hsds(o, lang, attributes, metadata) for o in orgs],
        "services": [service_full_hsds(s, lang, attributes, metadata) for s in services],
    }


# --------------------------------------------------------------------------- validation
def schema_dir() -> Path:
    for d in SCHEMA_DIRS:
        if d.is_dir():
            return d
    raise FileNotFoundError(
        "HSDS 3.0 schemas not found; expected them in " + ", ".join(str(d) for d in SCHEMA_DIRS)
    )


@lru_cache(maxsize=1)
def _registry() -> Registry:
    """All HSDS schema files, reachable by their relative names ("attribute.json") as $refs use them."""
    base = schema_dir()
    resources = []
    for path in sorted(base.glob("*.json")):
        if path.name == "openapi.json":
            continue
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((path.name, Resource.from_contents(contents, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


@lru_cache(maxsize=16)
def validator(schema_name: str) -> Draft202012Validator:
    """A validator for one schema file of shared/data/hsds-3.0/schema (e.g. 'compiled/service.json')."""
    schema = json.loads((schema_dir() / schema_name).read_text(encoding="utf-8"))
    return Draft202012Validator(schema, registry=_registry(), format_checker=FormatChecker())


def validate_document(doc: dict) -> list[str]:
    """Every schema error of an export document, as 'services[3].phones[0]: message' lines."""
    errors = []
    if doc.get("hsds_version") != HSDS_VERSION:
        errors.append(f"hsds_version: expected {HSDS_VERSION!r}")
    for key, schema_name in SCHEMA_FOR.items():
        items = doc.get(key)
        if not isinstance(items, list):
            errors.append(f"{key}: missing or not a list")
            continue
        v = validator(schema_name)
        for i, item in enumerate(items):
            for err in v.iter_errors(item):
                path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err.absolute_path)
                errors.append(f"{key}[{i}]{path}: {err.message}")
    return errors
