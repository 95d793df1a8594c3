import zoneinfo
from typing import Annotated

from ninja import Schema
from pydantic import Field, WithJsonSchema, field_validator

from .apikit import StrictSchema
from .text import OneLine, OneLineName


class LocationIn(StrictSchema):
    code: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: OneLine = Field(min_length=1, max_length=200)
    country: str = Field(min_length=2, max_length=2, pattern=r"^[A-Za-z]{2}$")
    timezone: str = Field(default="UTC", max_length=64)
    team: str | None = Field(default=None, max_length=64, description="Slug of the team that handles its cases.")

    @field_validator("timezone")
    @classmethod
    def known_timezone(cls, value: str) -> str:
        if value not in zoneinfo.available_timezones():
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Europe/Amsterdam")
        return value


class LocationOut(Schema):
    id: int
    code: str
    name: str
    country: str
    timezone: str
    team: str | None


class LocationPage(Schema):
    items: list[LocationOut]
    next_cursor: str | None


class CalendarIn(StrictSchema):
    name: OneLineName = Field(min_length=1, max_length=100)
    timezone: str = Field(default="UTC", max_length=64, description="IANA name, e.g. Europe/Amsterdam.")
    country: str | None = Field(default=None, max_length=2, description="Public holidays of this country, e.g. NL.")
    subdivision: str | None = Field(default=None, max_length=10, description="e.g. BY for Bavaria.")
    hours: dict[str, list[list[str]]] = Field(
        default_factory=dict,
        description='{"mon": [["09:00", "12:30"], ["13:30", "17:30"]], ..., "sun": []}; no hours at all: 24/7.',
    )
    closed_days: list[Annotated[str, WithJsonSchema({"type": "string", "format": "date"})]] = Field(
        default_factory=list, max_length=1000, description='["2026-12-24"]'
    )
    special_hours: dict[str, list[list[str]]] = Field(
        default_factory=dict, description='Hours that replace a day\'s usual ones: {"2026-12-31": [["09:00", "13:00"]]}'
    )


class CalendarOut(Schema):
    id: int
    name: str
    timezone: str
    country: str | None
    subdivision: str | None
    hours: dict[str, list[list[str]]]
    closed_days: list[str]
    special_hours: dict[str, list[list[str]]]


class CalendarPage(Schema):
    items: list[CalendarOut]
    next_cursor: str | None
