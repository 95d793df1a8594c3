from datetime import datetime

from ninja import Field, Schema

from amends.core.apikit import StrictSchema


class EraseIn(StrictSchema):
    reason: str = Field(max_length=500, description="Why (e.g. the customer's request of 2 May); on the audit trail.")


class ErasureOut(Schema):
    id: int
    customer: str = Field(description="The customer's new external id, a pseudonym (erased-<id>).")
    erased_at: datetime
    erased_by: str | None
    via: str
    reason: str
    counts: dict[str, int] = Field(description="How many rows of each kind were anonymised (never the data).")
