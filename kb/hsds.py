"""HSDS 3.0 shapes of our records: which fields are bilingual, and records -> HSDS dicts per language.

Our tables keep `name_nl` and `name_fr`; HSDS has one `name`. An HSDS document we produce fills the
standard fields in the requested language (falling back to the other one) and carries both languages
in an extra `translations` object ({"nl": {...}, "fr": {...}}) — HSDS 3.0 allows extra properties,
so any HSDS client reads the standard fields and our importer reads both languages back.
"""

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from kb import models as m

HSDS_VERSION = "3.0"
LANGS = ("nl", "fr")
DEMO_MARK = "demo"  # attribute value / metadata marker of demo records

# HSDS object name -> (model, bilingual fields, plain fields)
SPECS: dict[str, tuple[type, tuple[str, ...], tuple[str, ...]]] = {
    "organization": (
        m.Organization,
        ("name", "alternate_name", "description", "legal_status"),
        (
            "email",
            "website",
            "tax_status",
            "tax_id",
            "year_incorporated",
            "logo",
            "uri",
            "parent_organization_id",
        ),
    ),
    "service": (
        m.Service,
        (
            "name",
            "alternate_name",
            "description",
            "interpretation_services",
            "application_process",
            "fees_description",
            "eligibility_description",
            "alert",
        ),
        (
            "organization_id",
            "url",
            "email",
            "status",
            "wait_time",
            "fees",
            "accreditations",
            "licenses",
            "minimum_age",
            "maximum_age",
            "assurer_email",
            "last_modified",
        ),
    ),
    "location": (
        m.Location,
        ("name", "alternate_name", "description", "transportation"),
        (
            "location_type",
            "url",
            "organization_id",
            "latitude",
            "longitude",
            "external_identifier",
            "external_identifier_type",
        ),
    ),
    "service_at_location": (m.ServiceAtLocation, ("description",), ("service_id", "location_id")),
    "address": (
        m.Address,
        ("address_1", "city"),
        (
            "location_id",
            "attention",
            "address_2",
            "region",
            "state_province",
            "postal_code",
            "country",
            "address_type",
        ),
    ),
    "phone": (
        m.Phone,
        ("description",),
        (
            "location_id",
            "service_id",
            "organization_id",
            "contact_id",
            "service_at_location_id",
            "number",
            "extension",
            "type",
        ),
    ),
    "schedule": (
        m.Schedule,
        ("description", "notes"),
        (
            "service_id",
            "location_id",
            "service_at_location_id",
            "valid_from",
            "valid_to",
            "dtstart",
            "timezone",
            "until",
            "count",
            "wkst",
            "freq",
            "interval",
            "byday",
            "byweekno",
            "bymonthday",
            "byyearday",
            "opens_at",
            "closes_at",
            "schedule_link",
            "attending_type",
        ),
    ),
    "language": (m.Language, (), ("service_id", "location_id", "phone_id", "name", "code", "note")),
    "service_area": (m.ServiceArea, ("name", "description"), ("service_id", "extent", "extent_type", "uri")),
    "taxonomy": (m.Taxonomy, ("description",), ("name", "uri", "version")),
    "taxonomy_term": (
        m.TaxonomyTerm,
        ("name", "description", "keywords"),
        ("code", "parent_id", "taxonomy", "taxonomy_id", "language", "term_uri"),
    ),
    "attribute": (m.Attribute, (), ("link_id", "taxonomy_term_id", "link_type", "link_entity", "value")),
    "metadata": (
        m.Metadata,
        (),
        (
            "resource_id",
            "resource_type",
            "last_action_date",
            "last_action_type",
            "field_name",
            "previous_value",
            "replacement_value",
            "updated_by",
        ),
    ),
}
# Fields HSDS requires to be present as strings even when we know nothing.
_REQUIRED_STRINGS = {
    "organization": ("name", "description"),
    "taxonomy": ("name", "description"),
    "taxonomy_term": ("name", "description"),
}
# Extensions we add to HSDS objects (kept out of the standard field list on purpose).
_NOT_HSDS = {"keywords"}
_VERIFIED = uuid.UUID("0b8f7f0e-5d43-4c9e-9b7a-6c2d1f3e4a55")


def pick(obj: object, field: str, lang: str) -> str | None:
    """A bilingual field in lang, falling back to the other language."""
    other = "fr" if lang == "nl" else "nl"
    first = getattr(obj, f"{field}_{lang if lang in LANGS else 'nl'}", None)
    return first if first else getattr(obj, f"{field}_{other}", None)


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        if value.tzinfo is None:  # SQLite gives naive datetimes back; we store UTC
            value = value.replace(tzinfo=UTC)
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def to_hsds(kind: str, obj: object, lang: str) -> dict:
    """One record as a flat HSDS dict in lang (None values left out, as the schemas want)."""
    _, bilingual, plain = SPECS[kind]
    out: dict = {"id": obj.id}
    translations: dict[str, dict] = {}
    for field in bilingual:
        if field not in _NOT_HSDS:
            value = pick(obj, field, lang)
            if value is not None:
                out[field] = value
        for tl in LANGS:
            value = getattr(obj, f"{field}_{tl}", None)
            if value:
                translations.setdefault(tl, {})[field] = value
    for field in plain:
        value = getattr(obj, field, None)
        if value is not None:
            out[field] = _plain(value)
    for field in _REQUIRED_STRINGS.get(kind, ()):
        out.setdefault(field, "")
    if translations:
        out["translations"] = translations
    return out


def verified_metadata(kind: str, obj: object) -> list[dict]:
    """Freshness as an HSDS metadata entry (last_action_type "verified"); read back by the importer."""
    at = getattr(obj, "last_verified_at", None)
    if not at:
        return []
    return [
        {
            "id": str(uuid.uuid5(_VERIFIED, f"{kind}:{obj.id}")),
            "resource_id": obj.id,
            "resource_type": kind,
            "last_action_date": _plain(at),
            "last_action_type": "verified",
            "field_name": "",
            "previous_value": "",
            "replacement_value": "",
            "updated_by": getattr(obj, "last_verified_by", None) or "",
        }
    ]


def _many(kind: str, items: Iterable, lang: str) -> list[dict]:
    return [to_hsds(kind, i, lang) for i in sorted(items, key=lambda x: x.id)]


def taxonomy_term_hsds(term: m.TaxonomyTerm, lang: str, with_detail: bool = True) -> dict:
    out = to_hsds("taxonomy_term", term, lang)
    if with_detail and term.taxonomy_detail is not None:
        out["taxonomy_detail"] = to_hsds("taxonomy", term.taxonomy_detail, lang)
    return out


def attributes_hsds(attributes: Iterable[m.Attribute], lang: str) -> list[dict]:
    out = []
    for a in sorted(attributes, key=lambda x: x.id):
        item = to_hsds("attribute", a, lang)
        if a.taxonomy_term is not None:
            item["taxonomy_term"] = taxonomy_term_hsds(a.taxonomy_term, lang)
        out.append(item)
    return out


def phone_hsds(phone: m.Phone, lang: str) -> dict:
    out = to_hsds("phone", phone, lang)
    out["languages"] = _many("language", phone.languages, lang)
    return out


def location_hsds(location: m.Location, lang: str, attributes: list[m.Attribute] | None = None) -> dict:
    out = to_hsds("location", location, lang)
    out["addresses"] = _many("address", location.addresses, lang)
    out["phones"] = [phone_hsds(p, lang) for p in sorted(location.phones, key=lambda x: x.id)]
    out["schedules"] = _many("schedule", location.schedules, lang)
    out["languages"] = _many("language", location.languages, lang)
    out["attributes"] = attributes_hsds(attributes or [], lang)
    out["metadata"] = verified_metadata("location", location)
    return out


def organization_hsds(org: m.Organization, lang: str, attributes: list[m.Attribute] | None = None) -> dict:
    """The one-to-one organization fields (as nested in a service, or in a list)."""
    out = to_hsds("organization", org, lang)
    if attributes is not None:
        out["attributes"] = attributes_hsds(attributes, lang)
    return out


def service_list_hsds(service: m.Service, lang: str) -> dict:
    out = to_hsds("service", service, lang)
    out.update(_service_freshness(service))
    out["organization"] = organization_hsds(service.organization, lang)
    return out


def _service_freshness(service: m.Service) -> dict:
    if not service.last_verified_at:
        return {}
    return {"assured_date": _plain(service.last_verified_at)[:10]}


def service_full_hsds(
    service: m.Service,
    lang: str,
    attributes: dict[str, list[m.Attribute]],
    metadata: dict[str, list[m.Metadata]] | None = None,
) -> dict:
    """A fully nested service as /services/{id} and the export give it."""
    metadata = metadata or {}
    out = service_list_hsds(service, lang)
    out["phones"] = [phone_hsds(p, lang) for p in sorted(service.phones, key=lambda x: x.id)]
    out["schedules"] = _many("schedule", service.schedules, lang)
    out["service_areas"] = _many("service_area", service.service_areas, lang)
    out["languages"] = _many("language", service.languages, lang)
    sals = []
    for sal in sorted(service.service_at_locations, key=lambda x: x.id):
        item = to_hsds("service_at_location", sal, lang)
        item["phones"] = [phone_hsds(p, lang) for p in sorted(sal.phones, key=lambda x: x.id)]
        item["schedules"] = _many("schedule", sal.schedules, lang)
        item["location"] = location_hsds(sal.location, lang, attributes.get(sal.location_id))
        sals.append(item)
    out["service_at_locations"] = sals
    out["organization"] = organization_hsds(service.organization, lang)
    out["attributes"] = attributes_hsds(attributes.get(service.id, []), lang)
    out["metadata"] = [to_hsds("metadata", x, lang) for x in metadata.get(service.id, [])] + verified_metadata(
        "service", service
    )
    return out


def service_at_location_list_hsds(sal: m.ServiceAtLocation, lang: str) -> dict:
    """A service at a location as /service_at_locations lists it: one-to-one fields of both."""
    out = to_hsds("service_at_location", sal, lang)
    out["location"] = to_hsds("location", sal.location, lang)
    out["service"] = service_list_hsds(sal.service, lang)
    return out


def service_at_location_full_hsds(
    sal: m.ServiceAtLocation,
    lang: str,
    attributes: dict[str, list[m.Attribute]],
    metadata: dict[str, list[m.Metadata]] | None = None,
) -> dict:
    """A fully nested service at a location, as /service_at_locations/{id} gives it."""
    metadata = metadata or {}
    out = to_hsds("service_at_location", sal, lang)
    out["phones"] = [phone_hsds(p, lang) for p in sorted(sal.phones, key=lambda x: x.id)]
    out["schedules"] = _many("schedule", sal.schedules, lang)
    out["location"] = location_hsds(sal.location, lang, attributes.get(sal.location_id))
    out["attributes"] = attributes_hsds(attributes.get(sal.id, []), lang)
    out["metadata"] = [to_hsds("metadata", x, lang) for x in metadata.get(sal.id, [])]
    out["service"] = service_list_hsds(sal.service, lang)
    return out


def organization_full_hsds(
    org: m.Organization,
    lang: str,
    attributes: dict[str, list[m.Attribute]],
    metadata: dict[str, list[m.Metadata]] | None = None,
) -> dict:
    metadata = metadata or {}
    out = organization_hsds(org, lang, attributes.get(org.id, []))
    out["phones"] = [phone_hsds(p, lang) for p in sorted(org.phones, key=lambda x: x.id)]
    out["locations"] = [
        location_hsds(loc, lang, attributes.get(loc.id)) for loc in sorted(org.locations, key=lambda x: x.id)
    ]
    out["services"] = [
        {"id": s.id, "name": pick(s, "name", lang) or "", "status": s.status}
        for s in sorted(org.services, key=lambda x: x.id)
    ]
    out["metadata"] = [to_hsds("metadata", x, lang) for x in metadata.get(org.id, [])] + verified_metadata(
        "organization", org
    )
    return out
