"""The sociale kaart's tables: Open Referral HSDS 3.0, bilingual.

One table per HSDS object we keep (organization, service, location, service_at_location, address,
phone, schedule, language, service_area, taxonomy, taxonomy_term, attribute, metadata). Ids are
HSDS uuids as strings. Every human-readable field exists in Dutch (`*_nl`) and French (`*_fr`);
the HSDS field of the same name is produced from them per language (kb.hsds).
Services are linked to taxonomy terms the HSDS 3.0 way: an `attribute` row with link_entity
"service". Organisations, services and locations keep when they were last verified and by whom.
"""

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from common.db import Base

UUID = String(36)


class _Verified:
    """Freshness: when a person last checked the record, and who."""

    last_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_verified_by: Mapped[str | None] = mapped_column(String(200))


class Organization(_Verified, Base):
    __tablename__ = "organization"

    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    name_nl: Mapped[str | None] = mapped_column(String(500))
    name_fr: Mapped[str | None] = mapped_column(String(500))
    alternate_name_nl: Mapped[str | None] = mapped_column(String(500))
    alternate_name_fr: Mapped[str | None] = mapped_column(String(500))
    description_nl: Mapped[str | None] = mapped_column(Text)
    description_fr: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(String(320))
    website: Mapped[str | None] = mapped_column(String(1000))
    tax_status: Mapped[str | None] = mapped_column(String(200))
    tax_id: Mapped[str | None] = mapped_column(String(100))
    year_incorporated: Mapped[int | None] = mapped_column(Integer)
    legal_status_nl: Mapped[str | None] = mapped_column(String(200))
    legal_status_fr: Mapped[str | None] = mapped_column(String(200))
    logo: Mapped[str | None] = mapped_column(String(1000))
    uri: Mapped[str | None] = mapped_column(String(1000))
    parent_organization_id: Mapped[str | None] = mapped_column(
        UUID, ForeignKey("organization.id", ondelete="SET NULL")
    )
    # e.g. "social.brussels:13219" — where the record came from, so re-imports update in place
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    services: Mapped[list["Service"]] = relationship(back_populates="organization", passive_deletes=True)
    locations: Mapped[list["Location"]] = relationship(back_populates="organization", passive_deletes=True)
    phones: Mapped[list["Phone"]] = relationship(
        back_populates="organization", passive_deletes=True, foreign_keys="Phone.organization_id"
    )


class Service(_Verified, Base):
    __tablename__ = "service"

    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    organization_id: Mapped[str] = mapped_column(
        UUID, ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    name_nl: Mapped[str | None] = mapped_column(String(500))
    name_fr: Mapped[str | None] = mapped_column(String(500))
    alternate_name_nl: Mapped[str | None] = mapped_column(String(500))
    alternate_name_fr: Mapped[str | None] = mapped_column(String(500))
    description_nl: Mapped[str | None] = mapped_column(Text)
    description_fr: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(1000))
    email: Mapped[str | None] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(20), default="active")
    interpretation_services_nl: Mapped[str | None] = mapped_column(Text)
    interpretation_services_fr: Mapped[str | None] = mapped_column(Text)
    application_process_nl: Mapped[str | None] = mapped_column(Text)
    application_process_fr: Mapped[str | None] = mapped_column(Text)
    fees_description_nl: Mapped[str | None] = mapped_column(Text)
    fees_description_fr: Mapped[str | None] = mapped_column(Text)
    eligibility_description_nl: Mapped[str | None] = mapped_column(Text)
    eligibility_description_fr: Mapped[str | None] = mapped_column(Text)
    alert_nl: Mapped[str | None] = mapped_column(Text)
    alert_fr: Mapped[str | None] = mapped_column(Text)
    wait_time: Mapped[str | None] = mapped_column(String(200))
    fees: Mapped[str | None] = mapped_column(String(500))
    accreditations: Mapped[str | None] = mapped_column(Text)
    licenses: Mapped[str | None] = mapped_column(Text)
    minimum_age: Mapped[float | None] = mapped_column(Float)
    maximum_age: Mapped[float | None] = mapped_column(Float)
    assurer_email: Mapped[str | None] = mapped_column(String(320))
    last_modified: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    organization: Mapped[Organization] = relationship(back_populates="services")
    service_at_locations: Mapped[list["ServiceAtLocation"]] = relationship(
        back_populates="service", passive_deletes=True
    )
    phones: Mapped[list["Phone"]] = relationship(
        back_populates="service", passive_deletes=True, foreign_keys="Phone.service_id"
    )
    schedules: Mapped[list["Schedule"]] = relationship(
        back_populates="service", passive_deletes=True, foreign_keys="Schedule.service_id"
    )
    languages: Mapped[list["Language"]] = relationship(
        back_populates="service", passive_deletes=True, foreign_keys="Language.service_id"
    )
    service_areas: Mapped[list["ServiceArea"]] = relationship(back_populates="service", passive_deletes=True)


class Location(_Verified, Base):
    __tablename__ = "location"

    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    location_type: Mapped[str] = mapped_column(String(20), default="physical")
    url: Mapped[str | None] = mapped_column(String(1000))
    organization_id: Mapped[str | None] = mapped_column(
        UUID, ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    name_nl: Mapped[str | None] = mapped_column(String(500))
    name_fr: Mapped[str | None] = mapped_column(String(500))
    alternate_name_nl: Mapped[str | None] = mapped_column(String(500))
    alternate_name_fr: Mapped[str | None] = mapped_column(String(500))
    description_nl: Mapped[str | None] = mapped_column(Text)
    description_fr: Mapped[str | None] = mapped_column(Text)
    transportation_nl: Mapped[str | None] = mapped_column(Text)
    transportation_fr: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    external_identifier: Mapped[str | None] = mapped_column(String(200))
    external_identifier_type: Mapped[str | None] = mapped_column(String(100))

    organization: Mapped[Organization | None] = relationship(back_populates="locations")
    addresses: Mapped[list["Address"]] = relationship(back_populates="location", passive_deletes=True)
    phones: Mapped[list["Phone"]] = relationship(
        back_populates="location", passive_deletes=True, foreign_keys="Phone.location_id"
    )
    schedules: Mapped[list["Schedule"]] = relationship(
        back_populates="location", passive_deletes=True, foreign_keys="Schedule.location_id"
    )
    languages: Mapped[list["Language"]] = relationship(
        back_populates="location", passive_deletes=True, foreign_keys="Language.location_id"
    )


class ServiceAtLocation(Base):
    __tablename__ = "service_at_location"

    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    service_id: Mapped[str] = mapped_column(UUID, ForeignKey("service.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[str] = mapped_column(UUID, ForeignKey("location.id", ondelete="CASCADE"), index=True)
    description_nl: Mapped[str | None] = mapped_column(Text)
    description_fr: Mapped[str | None] = mapped_column(Text)

    service: Mapped[Service] = relationship(back_populates="service_at_locations")
    location: Mapped[Location] = relationship()
    phones: Mapped[list["Phone"]] = relationship(
        back_populates="service_at_location",
        passive_deletes=True,
        foreign_keys="Phone.service_at_location_id",
    )
    schedules: Mapped[list["Schedule"]] = relationship(
        back_populates="service_at_location",
        passive_deletes=True,
        foreign_keys="Schedule.service_at_location_id",
    )


class Address(Base):
    __tablename__ = "address"

    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    location_id: Mapped[str | None] = mapped_column(
        UUID, ForeignKey("location.id", ondelete="CASCADE"), index=True
    )
    attention: Mapped[str | None] = mapped_column(String(200))
    # Brussels streets and communes have official names in both languages.
    address_1_nl: Mapped[str | None] = mapped_column(String(500))
    address_1_fr: Mapped[str | None] = mapped_column(String(500))
    address_2: Mapped[str | None] = mapped_column(String(500))
    city_nl: Mapped[str | None] = mapped_column(String(200))
    city_fr: Mapped[str | None] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(200))
    state_province: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(20), index=True)
    country: Mapped[str | None] = mapped_column(String(2))
    address_type: Mapped[str] = mapped_column(String(20), default="physical")

    location: Mapped[Location | None] = relationship(back_populates="addresses")


class Phone(Base):
    __tablename__ = "phone"

    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    location_id: Mapped[str | None] = mapped_column(
        UUID, ForeignKey("location.id", ondelete="CASCADE"), index=True
    )
    service_id: Mapped[str | None] = mapped_column(
        UUID, ForeignKey("service.id", ondelete="CASCADE"), index=True
    )
    organization_id: Mapped[str | None] = mapped_column(
        UUID, ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    service_at_location_id: Mapped[str | None] = mapped_column(
        UUID, ForeignKey("service_at_location.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[str | None] = mapped_column(UUID)  # contacts are not kept; the link is
    number: Mapped[str] = mapped_column(String(100))
    extension: Mapped[float | None] = mapped_column(Float)
    type: Mapped[str | None] = mapped_column(String(20))
    description_nl: Mapped[str | None] = mapped_column(Text)
    description_fr: Mapped[str | None] = mapped_column(Text)

    organization: Mapped[Organization | None] = relationship(
        back_populates="phones", foreign_keys=[organization_id]
    )
    service: Mapped[Service | None] = relationship(back_populates="phones", foreign_keys=[service_id])
    location: Mapped[Location | None] = relationship(back_populates="phones", foreign_keys=[location_id])
    service_at_location: Mapped[ServiceAtLocation | None] = relationship(
        back_populates="phones", foreign_keys=[service_at_location_id]
    )
    languages: Mapped[list["Language"]] = relationship(
        back_populates="phone", passive_deletes=True, foreign_keys="Language.phone_id"
    )


class Schedule(Base):
    __tablename__ = "schedule"

    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    service_id: Mapped[str | None] = mapped_column(
        UUID, ForeignKey("service.id", ondelete="CASCADE"), index=True
    )
    location_id: Mapped[str | None] = mapped_column(
        UUID, ForeignKey("location.id", ondelete="CASCADE"), index=True
    )
    service_at_location_id: Mapped[str | None] = mapped_column(
        UUID, ForeignKey("service_at_location.id", ondelete="CASCADE"), index=True
    )
    valid_from: Mapped[str | None] = mapped_column(String(10))
    valid_to: Mapped[str | None] = mapped_column(String(10))
    dtstart: Mapped[str | None] = mapped_column(String(10))
    timezone: Mapped[float | None] = mapped_column(Float)
    until: Mapped[str | None] = mapped_column(String(10))
    count: Mapped[int | None] = mapped_column(Integer)
    wkst: Mapped[str | None] = mapped_column(String(2))
    freq: Mapped[str | None] = mapped_column(String(10))
    interval: Mapped[int | None] = mapped_column(Integer)
    byday: Mapped[str | None] = mapped_column(String(100))
    byweekno: Mapped[str | None] = mapped_column(String(200))
    bymonthday: Mapped[str | None] = mapped_column(String(200))
    byyearday: Mapped[str | None] = mapped_column(String(200))
    description_nl: Mapped[str | None] = mapped_column(Text)
    description_fr: Mapped[str | None] = mapped_column(Text)
    opens_at: Mapped[str | None] = mapped_column(String(8))
    closes_at: Mapped[str | None] = mapped_column(String(8))
    schedule_link: Mapped[str | None] = mapped_column(String(1000))
    attending_type: Mapped[str | None] = mapped_column(String(500))
    notes_nl: Mapped[str | None] = mapped_column(Text)
    notes_fr: Mapped[str | None] = mapped_column(Text)

    service: Mapped[Service | None] = relationship(back_populates="schedules", foreign_keys=[service_id])
    location: Mapped[Location | None] = relationship(back_populates="schedules", foreign_keys=[location_id])
    service_at_location: Mapped[ServiceAtLocation | None] = relationship(
        back_populates="schedules", foreign_keys=[service_at_location_id]
    )


class Language(Base):
    __tablename__ = "language"
    __table_args__ = (Index("ix_language_service_id_code", "service_id", "code"),)

    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    service_id: Mapped[str | None] = mapped_column(UUID, ForeignKey("service.id", ondelete="CASCADE"))
    location_id: Mapped[str | None] = mapped_column(
        UUID, ForeignKey("location.id", ondelete="CASCADE"), index=True
    )
    phone_id: Mapped[str | None] = mapped_column(UUID, ForeignKey("phone.id", ondelete="CASCADE"), index=True)
    name: Mapped[str | None] = mapped_column(String(100))
    code: Mapped[str | None] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(Text)

    service: Mapped[Service | None] = relationship(back_populates="languages", foreign_keys=[service_id])
    location: Mapped[Location | None] = relationship(back_populates="languages", foreign_keys=[location_id])
    phone: Mapped[Phone | None] = relationship(back_populates="languages", foreign_keys=[phone_id])


class ServiceArea(Base):
    __tablename__ = "service_area"

    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    service_id: Mapped[str | None] = mapped_column(
        UUID, ForeignKey("service.id", ondelete="CASCADE"), index=True
    )
    name_nl: Mapped[str | None] = mapped_column(String(500))
    name_fr: Mapped[str | None] = mapped_column(String(500))
    description_nl: Mapped[str | None] = mapped_column(Text)
    description_fr: Mapped[str | None] = mapped_column(Text)
    extent: Mapped[str | None] = mapped_column(Text)
    extent_type: Mapped[str | None] = mapped_column(String(50))
    uri: Mapped[str | None] = mapped_column(String(1000))

    service: Mapped[Service | None] = relationship(back_populates="service_areas")


class Taxonomy(Base):
    __tablename__ = "taxonomy"

    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description_nl: Mapped[str | None] = mapped_column(Text)
    description_fr: Mapped[str | None] = mapped_column(Text)
    uri: Mapped[str | None] = mapped_column(String(1000))
    version: Mapped[str | None] = mapped_column(String(50))


class TaxonomyTerm(Base):
    __tablename__ = "taxonomy_term"
    __table_args__ = (UniqueConstraint("taxonomy_id", "code", name="uq_taxonomy_term_taxonomy_id_code"),)

    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    code: Mapped[str | None] = mapped_column(String(100), index=True)  # social.brussels category id
    name_nl: Mapped[str | None] = mapped_column(String(500))
    name_fr: Mapped[str | None] = mapped_column(String(500))
    description_nl: Mapped[str | None] = mapped_column(Text)
    description_fr: Mapped[str | None] = mapped_column(Text)
    keywords_nl: Mapped[str | None] = mapped_column(Text)  # "; "-separated
    keywords_fr: Mapped[str | None] = mapped_column(Text)
    parent_id: Mapped[str | None] = mapped_column(UUID, ForeignKey("taxonomy_term.id", ondelete="SET NULL"))
    taxonomy: Mapped[str | None] = mapped_column(String(200))
    taxonomy_id: Mapped[str | None] = mapped_column(
        UUID, ForeignKey("taxonomy.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str | None] = mapped_column(String(10))
    term_uri: Mapped[str | None] = mapped_column(String(1000))

    taxonomy_detail: Mapped[Taxonomy | None] = relationship()


class Attribute(Base):
    """Links any record (link_id, link_entity) to a taxonomy term; service -> category lives here."""

    __tablename__ = "attribute"
    __table_args__ = (
        Index("ix_attribute_taxonomy_term_id_link_id", "taxonomy_term_id", "link_id"),
        Index("ix_attribute_link_id", "link_id"),
    )

    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    link_id: Mapped[str] = mapped_column(UUID)
    taxonomy_term_id: Mapped[str] = mapped_column(UUID, ForeignKey("taxonomy_term.id", ondelete="CASCADE"))
    link_type: Mapped[str | None] = mapped_column(String(100))
    link_entity: Mapped[str] = mapped_column(String(50))
    value: Mapped[str | None] = mapped_column(Text)

    taxonomy_term: Mapped[TaxonomyTerm] = relationship()


class Metadata(Base):
    """HSDS change log entries (who changed which field of which record, when), as imported."""

    __tablename__ = "metadata"
    __table_args__ = (Index("ix_metadata_resource_id", "resource_id"),)

    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    resource_id: Mapped[str] = mapped_column(UUID)
    resource_type: Mapped[str] = mapped_column(String(50))
    last_action_date: Mapped[str] = mapped_column(String(32))
    last_action_type: Mapped[str] = mapped_column(String(50))
    field_name: Mapped[str] = mapped_column(String(100), default="")
    previous_value: Mapped[str] = mapped_column(Text, default="")
    replacement_value: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[str] = mapped_column(String(200))


class ServiceSearch(Base):
    """What kb.search ranks on, denormalised: one row per active service x category x location.

    Derived data, never edited by hand: kb.search_index.refresh rewrites a service's rows whenever
    the importer writes it (same transaction); deleting a service, or a location, deletes its rows
    (ON DELETE CASCADE). A service without categories has one row with taxonomy_term_id NULL, one
    without location one row with location_id, latitude and longitude NULL. speaks_nl / speaks_fr:
    the service has a language row with that code. The composite indexes cover the ranking query,
    so a search reads index entries only, within a box around the citizen's place.
    """

    __tablename__ = "service_search"
    __table_args__ = (
        Index(
            "ix_service_search_term_position",
            "taxonomy_term_id",
            "latitude",
            "longitude",
            "speaks_nl",
            "speaks_fr",
            "service_id",
        ),
        Index("ix_service_search_position", "latitude", "longitude", "speaks_nl", "speaks_fr", "service_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    service_id: Mapped[str] = mapped_column(UUID, ForeignKey("service.id", ondelete="CASCADE"), index=True)
    taxonomy_term_id: Mapped[str | None] = mapped_column(UUID)
    location_id: Mapped[str | None] = mapped_column(
        UUID, ForeignKey("location.id", ondelete="CASCADE"), index=True
    )
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    speaks_nl: Mapped[bool] = mapped_column(Boolean, default=False)
    speaks_fr: Mapped[bool] = mapped_column(Boolean, default=False)
