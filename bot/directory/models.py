"""The services directory, aligned with Open Referral HSDS 3.0.

Table and column names follow HSDS 3.0 so that NGOs can bring data from other
directories and take theirs away (`helpline resources import/export`). What the
helpline needs beyond HSDS is marked "helpline:" below; it travels in HSDS
exports as attributes of the helpline's own taxonomy (see `bot.directory.hsds`).

HSDS's own verification fields carry "when and by whom it was last verified":
`service.assured_date` and `service.assurer_email` (a name or an address).
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db.base import Base

# The kinds of help a person can ask for (DESIGN.md section 4, `service_type`).
NEEDS = (
    "shelter",
    "legal",
    "medical",
    "counselling",
    "labour",
    "immigration",
    "child_protection",
    "hotline",
)

# Who a service is for; "any" when the service does not restrict it.
GENDERS = ("any", "women", "men")

ID = String(250)


class Organization(Base):
    __tablename__ = "organization"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    alternate_name: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(Text)

    services: Mapped[list[Service]] = relationship(
        back_populates="organization", cascade="all, delete-orphan"
    )


class Service(Base):
    __tablename__ = "service"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(Text)
    alternate_name: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    # HSDS: active, inactive, defunct, temporarily closed. Only active services are offered.
    status: Mapped[str] = mapped_column(String(32), default="active")
    interpretation_services: Mapped[str | None] = mapped_column(Text)
    application_process: Mapped[str | None] = mapped_column(Text)
    fees_description: Mapped[str | None] = mapped_column(Text)
    eligibility_description: Mapped[str | None] = mapped_column(Text)
    minimum_age: Mapped[int | None] = mapped_column(Integer)
    maximum_age: Mapped[int | None] = mapped_column(Integer)
    assured_date: Mapped[date | None] = mapped_column(Date)
    assurer_email: Mapped[str | None] = mapped_column(Text)
    alert: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # helpline: a service run for survivors of trafficking ranks above a general one.
    trafficking_specialist: Mapped[bool] = mapped_column(Boolean, default=False)
    # helpline: whom the service accepts (GENDERS).
    gender: Mapped[str] = mapped_column(String(8), default="any")
    # helpline: the service does not pass what a person says to the police or
    # immigration without their consent.
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)

    organization: Mapped[Organization] = relationship(back_populates="services")
    needs: Mapped[list[ServiceNeed]] = relationship(cascade="all, delete-orphan")
    at_locations: Mapped[list[ServiceAtLocation]] = relationship(
        back_populates="service", cascade="all, delete-orphan"
    )
    phones: Mapped[list[Phone]] = relationship(
        primaryjoin="Service.id == Phone.service_id", cascade="all, delete-orphan"
    )
    schedules: Mapped[list[Schedule]] = relationship(
        primaryjoin="Service.id == Schedule.service_id", cascade="all, delete-orphan"
    )
    languages: Mapped[list[Language]] = relationship(
        primaryjoin="Service.id == Language.service_id", cascade="all, delete-orphan"
    )
    areas: Mapped[list[ServiceArea]] = relationship(cascade="all, delete-orphan")


class ServiceNeed(Base):
    """helpline: which of the NEEDS a service meets."""

    __tablename__ = "service_need"

    service_id: Mapped[str] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), primary_key=True
    )
    need: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)


class Location(Base):
    __tablename__ = "location"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    location_type: Mapped[str] = mapped_column(String(16), default="physical")
    organization_id: Mapped[str | None] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str | None] = mapped_column(Text)
    alternate_name: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    transportation: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # helpline: the IANA time zone of the place (Asia/Bangkok), so "open now" is
    # right across daylight saving; HSDS schedules only carry a UTC offset.
    timezone: Mapped[str | None] = mapped_column(String(64))

    addresses: Mapped[list[Address]] = relationship(cascade="all, delete-orphan")


class ServiceAtLocation(Base):
    __tablename__ = "service_at_location"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    service_id: Mapped[str] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), index=True
    )
    location_id: Mapped[str] = mapped_column(
        ForeignKey("location.id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str | None] = mapped_column(Text)

    service: Mapped[Service] = relationship(back_populates="at_locations")
    location: Mapped[Location] = relationship()


class Phone(Base):
    __tablename__ = "phone"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    location_id: Mapped[str | None] = mapped_column(
        ForeignKey("location.id", ondelete="CASCADE"), index=True
    )
    service_id: Mapped[str | None] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), index=True
    )
    organization_id: Mapped[str | None] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    service_at_location_id: Mapped[str | None] = mapped_column(
        ForeignKey("service_at_location.id", ondelete="CASCADE"), index=True
    )
    # Normalized: E.164 (+66...) for full numbers, digits for national short codes (1300).
    number: Mapped[str] = mapped_column(String(32))
    extension: Mapped[str | None] = mapped_column(String(16))
    type: Mapped[str | None] = mapped_column(String(16))
    description: Mapped[str | None] = mapped_column(Text)


class Address(Base):
    __tablename__ = "address"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    location_id: Mapped[str] = mapped_column(
        ForeignKey("location.id", ondelete="CASCADE"), index=True
    )
    attention: Mapped[str | None] = mapped_column(Text)
    address_1: Mapped[str] = mapped_column(Text)
    address_2: Mapped[str | None] = mapped_column(Text)
    city: Mapped[str] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(Text)
    state_province: Mapped[str | None] = mapped_column(Text)
    postal_code: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str] = mapped_column(String(2))
    address_type: Mapped[str] = mapped_column(String(16), default="physical")


class Schedule(Base):
    """HSDS 3.0 schedule: an iCalendar-like weekly rule with opening times."""

    __tablename__ = "schedule"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    service_id: Mapped[str | None] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), index=True
    )
    location_id: Mapped[str | None] = mapped_column(
        ForeignKey("location.id", ondelete="CASCADE"), index=True
    )
    service_at_location_id: Mapped[str | None] = mapped_column(
        ForeignKey("service_at_location.id", ondelete="CASCADE"), index=True
    )
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    dtstart: Mapped[date | None] = mapped_column(Date)
    # HSDS: the UTC offset in hours. Used only when the location has no IANA zone.
    timezone: Mapped[float | None] = mapped_column(Float)
    until: Mapped[date | None] = mapped_column(Date)
    count: Mapped[int | None] = mapped_column(Integer)
    wkst: Mapped[str | None] = mapped_column(String(2))
    freq: Mapped[str | None] = mapped_column(String(8))
    interval: Mapped[int | None] = mapped_column(Integer)
    byday: Mapped[str | None] = mapped_column(String(64))
    byweekno: Mapped[str | None] = mapped_column(String(64))
    bymonthday: Mapped[str | None] = mapped_column(String(64))
    byyearday: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text)
    opens_at: Mapped[time | None] = mapped_column(Time)
    closes_at: Mapped[time | None] = mapped_column(Time)
    schedule_link: Mapped[str | None] = mapped_column(Text)
    attending_type: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)


class Language(Base):
    __tablename__ = "language"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    service_id: Mapped[str | None] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), index=True
    )
    location_id: Mapped[str | None] = mapped_column(
        ForeignKey("location.id", ondelete="CASCADE"), index=True
    )
    phone_id: Mapped[str | None] = mapped_column(
        ForeignKey("phone.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str | None] = mapped_column(Text)
    # ISO 639-1 where one exists (en, th), else ISO 639-3.
    code: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)


class ServiceArea(Base):
    """Where a service is offered. The helpline matches `name` against the place a
    person names (a city, a province, or a country's ISO code for national services)."""

    __tablename__ = "service_area"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    service_id: Mapped[str | None] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    extent: Mapped[str | None] = mapped_column(Text)
    extent_type: Mapped[str | None] = mapped_column(String(16))
    uri: Mapped[str | None] = mapped_column(Text)


class Taxonomy(Base):
    __tablename__ = "taxonomy"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    uri: Mapped[str | None] = mapped_column(Text)
    version: Mapped[str | None] = mapped_column(Text)


class TaxonomyTerm(Base):
    __tablename__ = "taxonomy_term"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    code: Mapped[str | None] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    parent_id: Mapped[str | None] = mapped_column(ID)
    taxonomy: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    taxonomy_id: Mapped[str | None] = mapped_column(
        ForeignKey("taxonomy.id", ondelete="CASCADE"), index=True
    )
    term_uri: Mapped[str | None] = mapped_column(Text)


class Attribute(Base):
    """HSDS 3.0 attribute: links a taxonomy term to any row (`link_type`, `link_id`)."""

    __tablename__ = "attribute"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    link_id: Mapped[str] = mapped_column(ID, index=True)
    taxonomy_term_id: Mapped[str] = mapped_column(
        ForeignKey("taxonomy_term.id", ondelete="CASCADE"), index=True
    )
    link_type: Mapped[str | None] = mapped_column(Text)
    link_entity: Mapped[str] = mapped_column(String(64))
    value: Mapped[str | None] = mapped_column(Text)
    label: Mapped[str | None] = mapped_column(Text)
