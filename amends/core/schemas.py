import zoneinfo

from ninja import Schema
from pydantic import Field, field_validator

from .apikit import StrictSchema


class LocationIn(StrictSchema):
    code: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str = Field(min_length=1, max_length=200)
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
