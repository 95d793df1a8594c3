from datetime import datetime

from django.conf import settings
from ninja import Schema
from pydantic import Field

from amends.core.apikit import AwareDateTime, StrictSchema
from amends.core.enums import Language
from amends.customers.schemas import CustomerIn

from .enums import Channel, FeedbackKind


class ScoresIn(StrictSchema):
    csat: int | None = Field(default=None, ge=1, le=5, description="Customer satisfaction, 1-5.")
    nps: int | None = Field(default=None, ge=0, le=10, description="Likelihood to recommend, 0-10.")
    ces: int | None = Field(default=None, ge=1, le=7, description="Customer effort, 1-7 (7: very hard).")
    repurchase: int | None = Field(default=None, ge=1, le=5, description="Likelihood to buy again, 1-5.")


class FeedbackIn(StrictSchema):
    customer: CustomerIn
    location: str = Field(min_length=1, max_length=64, description="The location code.")
    channel: Channel = Channel.API
    kind: FeedbackKind
    scores: ScoresIn = Field(default_factory=ScoresIn)
    text: str = Field(default="", max_length=settings.AMENDS_MAX_TEXT_LENGTH)
    language: Language | None = Field(default=None, description="The text's language; default the customer's.")
    interaction: str | None = Field(default=None, max_length=128, description="The interaction's external id.")
    occurred_at: AwareDateTime | None = Field(default=None, description="When it happened; default now.")


class CaseBrief(Schema):
    id: int
    status: str
    first_response_due_at: datetime


class FeedbackCreated(Schema):
    id: int
    case: CaseBrief | None


class FeedbackOut(Schema):
    id: int
    customer: str
    location: str
    interaction: str | None
    channel: str
    kind: str
    scores: dict
    text: str
    language: str
    negative: bool
    occurred_at: datetime
    received_at: datetime
    case: CaseBrief | None
    text_sense: dict | None = Field(description="Language, sentiment and category once analysed (detect issue).")
