from datetime import datetime
from typing import Annotated

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from ninja import Schema
from pydantic import Field, StringConstraints, WithJsonSchema, field_validator

from amends.core.apikit import Attributes, AwareDateTime, StrictSchema
from amends.core.enums import Language
from amends.core.text import OneLine

from .services import CustomerData

EmailText = Annotated[
    str,
    StringConstraints(max_length=254),
    WithJsonSchema(
        {"anyOf": [{"type": "string", "format": "email", "maxLength": 254}, {"type": "string", "maxLength": 0}]}
    ),
]


class CustomerIn(StrictSchema):
    external_id: OneLine = Field(min_length=1, max_length=128)
    name: OneLine | None = Field(default=None, max_length=200)
    email: EmailText | None = Field(default=None, description="Empty: no address.")
    phone: OneLine | None = Field(default=None, max_length=40)
    language: Language | None = None
    segment: OneLine | None = Field(default=None, max_length=40)

    @field_validator("email")
    @classmethod
    def valid_email(cls, value: str | None) -> str | None:
        if value:
            try:
                validate_email(value)
            except DjangoValidationError as exc:
                raise ValueError("not a valid email address") from exc
        return value

    def as_data(self) -> CustomerData:
        return CustomerData(
            external_id=self.external_id,
            name=self.name,
            email=self.email,
            phone=self.phone,
            language=self.language.value if self.language else None,
            segment=self.segment,
        )


class InteractionIn(StrictSchema):
    external_id: OneLine = Field(min_length=1, max_length=128)
    customer: CustomerIn
    location: str = Field(min_length=1, max_length=64, description="The location code.")
    kind: OneLine = Field(min_length=1, max_length=40, description="order, stay, flight, delivery, ...")
    occurred_at: AwareDateTime
    attributes: Attributes = Field(
        default_factory=dict, description="Free-form JSON facts (e.g. region, status): 16 KB at most, 5 levels deep."
    )


class InteractionOut(Schema):
    id: int
    external_id: str
    customer: str
    location: str
    kind: str
    occurred_at: datetime
    attributes: dict


class TimelineItemOut(Schema):
    kind: str
    at: datetime
    title: str
    detail: str
    case: int | None
    author: str | None


class CustomerProfileOut(Schema):
    external_id: str
    name: str
    email: str
    phone: str
    language: str
    segment: str
    open_case: int | None
    counts: dict[str, int]
    timeline: list[TimelineItemOut]
