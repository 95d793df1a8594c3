from datetime import datetime

from ninja import Schema
from pydantic import Field

from amends.core.apikit import StrictSchema
from amends.core.text import OneLine


class CohortIn(StrictSchema):
    location: str | None = Field(default=None, description="A location code.")
    from_: datetime | None = Field(default=None, alias="from", description="Interactions at or after.")
    to: datetime | None = Field(default=None, description="Interactions before.")
    attributes: dict[str, str | int | float | bool] = Field(
        default_factory=dict, description='Equalities on interaction attributes, e.g. {"region": "North"}.'
    )


class IncidentIn(StrictSchema):
    title: OneLine = Field(max_length=200)
    cohort: CohortIn
    message: dict[str, str] = Field(
        description="Per language (en, nl, de, it, fr, es): the first line is the subject. Variables: "
        "{customer_name}, {incident}, {location}. Customers in a language without a message get English, "
        "else the first one given. With a gesture, also {gesture} and {voucher_code}."
    )
    gesture: int | None = Field(
        default=None,
        description="A catalogue gesture (its id) given to every affected customer when the incident is announced, "
        "within the announcer's spending authority (per case for each, per day and month for all).",
    )


class UpdateIn(StrictSchema):
    message: dict[str, str]
    resolved: bool = Field(default=False, description="True: this is the resolution notice; the incident ends.")


class ProgressOut(Schema):
    recipients: int
    queued: int
    sending: int
    sent: int
    failed: int
    no_address: int


class UpdateOut(Schema):
    id: int
    kind: str
    created_at: datetime
    progress: ProgressOut


class GestureOut(Schema):
    id: int
    name: str
    type: str
    amount: str
    currency: str


class IncidentOut(Schema):
    id: int
    title: str
    status: str
    cohort: dict
    message: dict[str, str]
    gesture: GestureOut | None
    created_by: str
    created_at: datetime
    announced_at: datetime | None
    resolved_at: datetime | None
    members: int
    cases: list[int]
    updates: list[UpdateOut]


class SampleCustomer(Schema):
    external_id: str
    name: str
    language: str
    has_email: bool


class PreviewOut(Schema):
    count: int
    without_email: int
    languages: dict[str, int]
    missing_languages: list[str]
    sample: list[SampleCustomer]
