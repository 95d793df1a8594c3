from datetime import datetime
from typing import Annotated

from ninja import Schema
from pydantic import Field, WithJsonSchema

from amends.core.apikit import NOT_BLANK, AwareDateTime, IdIn, StrictSchema, Total
from amends.core.enums import Language
from amends.core.text import OneLineName

# What incidents.services checks, stated for API clients: languages we write in, texts that are not blank.
Messages = Annotated[
    dict[str, str],
    WithJsonSchema(
        {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"enum": list(Language.values)},
            "additionalProperties": {"type": "string", "maxLength": 5000, **NOT_BLANK},
        }
    ),
]
ATTRIBUTE_NAME = r"^[^\W\d]\w*$"  # identifiers (Python's \w): they become JSON paths in the cohort's query


class CohortIn(StrictSchema):
    location: str | None = Field(default=None, description="A location code.")
    from_: AwareDateTime | None = Field(default=None, alias="from", description="Interactions at or after.")
    to: AwareDateTime | None = Field(default=None, description="Interactions before.")
    attributes: dict[str, str | int | float | bool] = Field(
        default_factory=dict,
        json_schema_extra={"propertyNames": {"pattern": ATTRIBUTE_NAME}, "maxProperties": 20},
        description='Equalities on interaction attributes, e.g. {"region": "North"}; at least one of location, '
        "from, to or attributes narrows the cohort.",
    )


class IncidentIn(StrictSchema):
    title: OneLineName = Field(max_length=200)
    cohort: CohortIn
    message: Messages = Field(
        description="Per language (en, nl, de, it, fr, es): the first line is the subject. Variables: "
        "{customer_name}, {incident}, {location}. Customers in a language without a message get English, "
        "else the first one given. With a gesture, also {gesture} and {voucher_code}."
    )
    gesture: IdIn | None = Field(
        default=None,
        description="A catalogue gesture (its id) given to every affected customer when the incident is announced, "
        "within the announcer's spending authority (per case for each, per day and month for all).",
    )


class UpdateIn(StrictSchema):
    message: Messages
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


class CostPartOut(Schema):
    recipients: int
    total: str


class CostOut(Schema):
    amount: str = Field(description="The gesture's amount for each customer.")
    currency: str
    with_email: CostPartOut = Field(description="The gesture for the customers who can be told (the default).")
    everyone: CostPartOut = Field(description='Also for those without an email address ("include_without_email").')


class SampleMessageOut(Schema):
    customer: str = Field(description="The external id of the customer it is rendered for.")
    language: str
    subject: str
    body: str


class PreviewOut(Schema):
    count: int
    without_email: int = Field(description="Customers who cannot be told: no email address.")
    languages: dict[str, int]
    missing_languages: list[str]
    sample: list[SampleCustomer] = Field(description="Up to 10 customers, with and without an email address.")
    cost: CostOut | None = Field(description="What the gesture costs (count x amount); null without a paid gesture.")
    sample_message: SampleMessageOut | None = Field(
        description="The notice as the first sample customer would read it, placeholders filled in (a sample code)."
    )


class SendIn(StrictSchema):
    confirm_total: Total | None = Field(
        default=None,
        description="With a gesture that costs anything: the total the preview showed for your choice "
        '(cost.with_email.total, or cost.everyone.total with include_without_email), e.g. "650.00".',
    )
    include_without_email: bool = Field(
        default=False, description="Also give the gesture to customers who have no email address (cannot be told)."
    )
