from datetime import datetime
from enum import StrEnum

from ninja import Schema
from pydantic import Field

from amends.core.apikit import NOT_BLANK, AwareDateTime, QuerySchema, StrictSchema


class TaskIn(StrictSchema):
    due_at: AwareDateTime = Field(description="When to do it (ISO 8601 with offset); in the future.")
    note: str = Field(
        max_length=300,
        json_schema_extra=NOT_BLANK,
        description='What to do, e.g. "call back about the replacement".',
    )
    owner: str | None = Field(default=None, max_length=150, description="A username; you when left out.")


class TaskOut(Schema):
    id: int
    case: int
    owner: str
    due_at: datetime
    note: str
    done_at: datetime | None
    created_by: str | None


class TaskList(Schema):
    items: list[TaskOut]


class RecoveryGroup(StrEnum):
    TEAM = "team"
    CATEGORY = "category"
    MONTH = "month"


class RecoveryRateParams(QuerySchema):
    by: RecoveryGroup = Field(default=RecoveryGroup.MONTH, description="team, category or month (of resolution).")
    from_: AwareDateTime | None = Field(default=None, alias="from", description="Resolved at or after.")
    to: AwareDateTime | None = Field(default=None, description="Resolved before.")


class RecoveryRateOut(Schema):
    group: str
    answered: int
    satisfied: int
    unhappy: int
    unanswered: int
    rate: float | None = Field(description="satisfied / answered; null when nobody answered.")


class RecoveryRateList(Schema):
    by: str
    items: list[RecoveryRateOut]
