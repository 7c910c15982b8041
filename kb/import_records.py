"""What an import reads into before anything is written: the records of one file, checked, with one
Problem per mistake (file, record, field, why); the HSDS tables in write order and their rules."""

import re
import uuid
from dataclasses import dataclass, field

from kb.hsds import LANGS, SPECS

# Write order: parents before children, so foreign keys always point at rows that exist.
ORDER = (
    "taxonomy",
    "taxonomy_term",
    "organization",
    "location",
    "service",
    "service_at_location",
    "address",
    "phone",
    "schedule",
    "language",
    "service_area",
    "attribute",
    "metadata",
)
CSV_FILES = {
    "organizations.csv": "organization",
    "services.csv": "service",
    "locations.csv": "location",
    "service_at_location.csv": "service_at_location",
    "addresses.csv": "address",
    "phones.csv": "phone",
    "schedules.csv": "schedule",
    "languages.csv": "language",
    "service_areas.csv": "service_area",
    "taxonomies.csv": "taxonomy",
    "taxonomy_terms.csv": "taxonomy_term",
    "attributes.csv": "attribute",
    "metadata.csv": "metadata",
}
# HSDS tables we do not keep (contacts, funding, ...): reported as a warning, not an error.
CSV_NOT_KEPT = {
    "accessibility.csv",
    "contacts.csv",
    "cost_options.csv",
    "funding.csv",
    "meta_table_descriptions.csv",
    "organization_identifiers.csv",
    "programs.csv",
    "required_documents.csv",
}
REQUIRED = {
    "organization": ("name",),
    "service": ("name", "organization_id"),
    "location": ("location_type",),
    "service_at_location": ("service_id", "location_id"),
    "address": ("address_1", "city", "postal_code", "country", "address_type"),
    "phone": ("number",),
    "taxonomy": ("name",),
    "taxonomy_term": ("name",),
    "attribute": ("link_id", "taxonomy_term_id", "link_entity"),
    "metadata": ("resource_id", "resource_type", "last_action_date", "last_action_type", "updated_by"),
}
ENUMS = {
    ("service", "status"): {"active", "inactive", "defunct", "temporarily closed"},
    ("location", "location_type"): {"physical", "postal", "virtual"},
    ("address", "address_type"): {"physical", "postal", "virtual"},
    ("schedule", "freq"): {"WEEKLY", "MONTHLY"},
    ("schedule", "wkst"): {"MO", "TU", "WE", "TH", "FR", "SA", "SU"},
}
NUMBERS = {
    ("service", "minimum_age"),
    ("service", "maximum_age"),
    ("location", "latitude"),
    ("location", "longitude"),
    ("phone", "extension"),
    ("schedule", "timezone"),
    ("schedule", "count"),
    ("schedule", "interval"),
    ("organization", "year_incorporated"),
}
INTEGERS = {("schedule", "count"), ("schedule", "interval"), ("organization", "year_incorporated")}
DATETIMES = {("service", "last_modified")}
# reference field -> (target kind, hard?): a hard reference must resolve, a soft one is dropped (warning)
REFERENCES = {
    "service": {"organization_id": ("organization", True)},
    "organization": {"parent_organization_id": ("organization", False)},
    "location": {"organization_id": ("organization", False)},
    "service_at_location": {"service_id": ("service", True), "location_id": ("location", True)},
    "address": {"location_id": ("location", True)},
    "phone": {
        "location_id": ("location", False),
        "service_id": ("service", False),
        "organization_id": ("organization", False),
        "service_at_location_id": ("service_at_location", False),
    },
    "schedule": {
        "service_id": ("service", False),
        "location_id": ("location", False),
        "service_at_location_id": ("service_at_location", False),
    },
    "language": {
        "service_id": ("service", False),
        "location_id": ("location", False),
        "phone_id": ("phone", False),
    },
    "service_area": {"service_id": ("service", False)},
    "taxonomy_term": {"taxonomy_id": ("taxonomy", False), "parent_id": ("taxonomy_term", False)},
    "attribute": {"taxonomy_term_id": ("taxonomy_term", True)},
}
LIMITS = {"name": 500, "alternate_name": 500, "email": 320, "url": 1000, "website": 1000, "number": 100}
SOCIAL_NS = uuid.UUID("a3c1f5e2-7d4b-4e8f-9c2a-1b5d6e7f8091")
EMAILISH = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Problem:
    file: str
    record: str
    field: str
    why: str

    def __str__(self) -> str:
        return f"{self.file}: {self.record}: {self.field or '-'}: {self.why}"


class ImportRefused(Exception):
    """The file was refused; nothing was written. `problems` says what is wrong, record by record."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(f"import refused: {len(problems)} problem(s); first: {problems[0]}")


@dataclass
class ImportReport:
    file: str
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    conflicts: list = field(default_factory=list)  # kb.corrections.Conflict: local corrections vs the file

    @property
    def total(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values())

    def summary(self) -> str:
        parts = [
            f"{k}: {self.created.get(k, 0)} new, {self.updated.get(k, 0)} updated"
            for k in ORDER
            if self.created.get(k) or self.updated.get(k)
        ]
        return f"{self.file}: " + ("; ".join(parts) or "nothing to import")


class RecordSet:
    """Everything one file contains, flattened per HSDS table, before it touches the database."""

    def __init__(self, file: str, default_lang: str = "nl") -> None:
        self.file = file
        self.lang = default_lang
        self.records: dict[str, dict[str, dict]] = {k: {} for k in ORDER}
        self.where: dict[tuple[str, str], str] = {}
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.verified: dict[str, tuple[str, str]] = {}  # resource id -> (date, by)
        self.replace_children_of: set[str] = set()

    def _where(self, record: str) -> tuple[str, str]:
        # CSV records carry their own file name ("services.csv::line 3")
        file, sep, rest = record.partition("::")
        return (file, rest) if sep else (self.file, record)

    def problem(self, record: str, field_name: str, why: str) -> None:
        self.problems.append(Problem(*self._where(record), field_name, why))

    def warn(self, record: str, field_name: str, why: str) -> None:
        self.warnings.append(Problem(*self._where(record), field_name, why))

    def add(self, kind: str, values: dict, where: str) -> str | None:
        """Add (or merge into) one record given as HSDS fields plus optional `translations`."""
        rid = values.get("id")
        if not isinstance(rid, str) or not is_uuid(rid):
            self.problem(where, "id", f"missing or not a uuid: {rid!r}")
            return None
        rid = str(uuid.UUID(rid))
        if kind == "metadata" and values.get("last_action_type") == "verified":
            self.verified[str(values.get("resource_id"))] = (
                str(values.get("last_action_date") or ""),
                str(values.get("updated_by") or ""),
            )
            return rid
        _, bilingual, plain = SPECS[kind]
        row: dict = {}
        translations = values.get("translations") if isinstance(values.get("translations"), dict) else {}
        for f in bilingual:
            given = False
            for tl in LANGS:
                v = (translations.get(tl) or {}).get(f) if isinstance(translations.get(tl), dict) else None
                if v is None:
                    v = values.get(f"{f}_{tl}")  # bilingual CSV columns (name_nl, name_fr)
                if v is not None and v != "":
                    row[f"{f}_{tl}"] = v if f != "keywords" else _keywords(v)
                    given = True
            if not given and values.get(f) not in (None, ""):
                row[f"{f}_{self.lang}"] = values[f]
        for f in plain:
            if values.get(f) not in (None, ""):
                row[f] = values[f]
        # our own bookkeeping columns: where the record came from, and the demo mark
        if kind in ("organization", "service") and isinstance(values.get("external_id"), str):
            row["external_id"] = values["external_id"]
        if kind in ("organization", "service") and isinstance(values.get("is_demo"), bool):
            row["is_demo"] = values["is_demo"]
        existing = self.records[kind].get(rid)
        if existing is None:
            self.records[kind][rid] = row
            self.where[(kind, rid)] = where
        else:
            for k, v in row.items():  # the same object nested twice: merge, first value wins
                existing.setdefault(k, v)
        return rid


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return False
    return True


def _keywords(value: object) -> str:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value if v)
    return str(value)


