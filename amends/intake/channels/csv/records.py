"""What a file's row becomes before it touches the database: one normalised record, or the reason it was refused.

Both import formats (our feedback CSV and the CFPB export) map their rows onto these types, so the batched writer
in `importer.py` knows nothing of either format.
"""

from dataclasses import dataclass, field
from datetime import datetime

from amends.core.errors import DomainError, ErrorCode
from amends.customers.services import CustomerData
from amends.intake.detection import Scores


@dataclass(frozen=True)
class RowError:
    """Why one row was not imported; `row` 1 is the first row after the header."""

    row: int
    code: str
    message: str
    field: str | None = None

    def as_dict(self) -> dict:
        return {"row": self.row, "code": self.code, "message": self.message, "field": self.field}

    @classmethod
    def from_domain(cls, row: int, error: DomainError) -> "RowError":
        return cls(row=row, code=str(error.code), message=error.message, field=error.field)


@dataclass(frozen=True)
class NewLocation:
    """A location the import may create when its code is unknown (the CFPB import makes one per product)."""

    code: str
    name: str
    country: str
    timezone_name: str


@dataclass(frozen=True)
class CaseHistory:
    """What is already known about how a historical complaint was handled, e.g. from the CFPB export.

    `sent_at` is when the complaint reached the company (taken as the first response); a `resolved_at` means the
    case is imported resolved, with `resolution` as the resolution text.
    """

    category: str
    outcome: str
    sla_met: bool | None
    outcome_disputed: bool | None
    sent_at: datetime | None
    resolved_at: datetime | None
    resolution: str
    summary: str  # used when the customer wrote no text


@dataclass(frozen=True)
class ImportRecord:
    row: int
    source: str
    external_ref: str
    customer: CustomerData
    location_code: str
    channel: str
    kind: str
    occurred_at: datetime
    scores: Scores = field(default_factory=Scores)
    text: str = ""
    language: str | None = None
    interaction_external_id: str | None = None
    attributes: dict = field(default_factory=dict)
    new_location: NewLocation | None = None
    history: CaseHistory | None = None


def reject(row: int, code: ErrorCode, message: str, field: str | None = None) -> RowError:
    return RowError(row=row, code=str(code), message=message, field=field)
