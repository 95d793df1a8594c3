from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from ninja import Schema
from pydantic import Field

from amends.core.apikit import CURSOR_DESCRIPTION, NOT_BLANK, CorrectionAmount, IdFilter, IsoDate, Money, StrictSchema
from amends.core.enums import Role

from .enums import Decision, GestureType

CURRENCY_PATTERN = r"^[A-Za-z]{3}$"


class AuthorityLimitIn(StrictSchema):
    role: Role | None = Field(default=None, description="agent, supervisor or admin; or give `user`.")
    user: str | None = Field(default=None, description="A username: this person's limit replaces their role's.")
    per_case: Money = Field(description="Most that may be given on one case without approval.")
    per_day: Money | None = None
    per_month: Money | None = None
    currency: str = Field(default="EUR", min_length=3, max_length=3, json_schema_extra={"pattern": CURRENCY_PATTERN})


class AuthorityLimitOut(Schema):
    role: str | None
    user: str | None
    per_case: str
    per_day: str | None
    per_month: str | None
    currency: str


class AlternativeIn(StrictSchema):
    type: GestureType
    amount: Money = Field(default=Decimal("0"))
    currency: str = Field(default="EUR", min_length=3, max_length=3, json_schema_extra={"pattern": CURRENCY_PATTERN})
    description: str = Field(default="", max_length=300)


class OfferIn(StrictSchema):
    alternatives: list[AlternativeIn] = Field(min_length=1, max_length=5)
    reason: str = Field(min_length=1, max_length=1000, json_schema_extra=NOT_BLANK)


class AlternativeOut(Schema):
    position: int
    type: str
    amount: str
    currency: str
    description: str


class OfferOut(Schema):
    id: int
    case: int
    status: str
    reason: str
    offered_by: str
    approved_by: str | None
    approver_role: str | None = Field(description="While pending: who decides (supervisor or admin).")
    alternatives: list[AlternativeOut]
    choice_url: str | None = Field(description="The customer's link to choose, once offered.")
    expires_at: datetime | None
    chosen: int | None = Field(description="The position of the alternative the customer chose.")


class DecisionIn(StrictSchema):
    decision: Decision
    amount: Money | None = Field(default=None, description="With change: no alternative above this amount.")
    comment: str = Field(min_length=1, max_length=1000, json_schema_extra=NOT_BLANK)


class LedgerOut(Schema):
    id: int
    case: int | None = Field(description="The case, or null for a gesture given to an incident's customers.")
    customer: str
    offer: int | None
    type: str
    amount: str
    currency: str
    category: str
    location: str | None
    team: str | None
    offered_by: str
    approved_by: str | None
    fulfilment: str
    voucher_code: str
    valid_until: date | None
    corrects: int | None
    note: str
    created_at: datetime
    incident: int | None = Field(description="The incident whose customers all received this gesture, if any.")


class LedgerPage(Schema):
    items: list[LedgerOut]
    next_cursor: str | None


class LedgerParams(Schema):
    cursor: str | None = Field(default=None, description=CURSOR_DESCRIPTION)
    limit: int = 50
    case: IdFilter | None = None
    customer: str | None = None
    category: str | None = None
    location: str | None = None
    offered_by: str | None = None
    since: IsoDate | None = Field(default=None, alias="from")
    until: IsoDate | None = Field(default=None, alias="to")


class TotalsGroup(StrEnum):
    CATEGORY = "category"
    LOCATION = "location"
    TEAM = "team"
    MONTH = "month"


class LedgerTotalsParams(LedgerParams):
    by: TotalsGroup = Field(default=TotalsGroup.CATEGORY, description="category, location, team or month.")


class LedgerTotalOut(Schema):
    group: str
    currency: str
    total: str
    gestures: int


class LedgerTotals(Schema):
    by: str
    items: list[LedgerTotalOut]


class CorrectionIn(StrictSchema):
    amount: CorrectionAmount = Field(
        description="The correction, e.g. -20.00 when less was paid out: never zero, in cents, at most 1,000,000 "
        "either way, and the entry with its corrections stays between 0 and 1,000,000 (422 out_of_range otherwise)."
    )
    note: str = Field(max_length=300, json_schema_extra=NOT_BLANK, description="Why the entry is corrected.")
