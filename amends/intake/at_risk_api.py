from datetime import datetime

from django.http import HttpRequest
from ninja import Query, Router, Schema

from amends.core.apikit import ERRORS_READ, api_user, page_size
from amends.core.cursors import decode_timed_cursor, encode_time_cursor

from .at_risk import REASON_LABELS
from .at_risk_selectors import AtRisk, at_risk_for_user, page_after, sort_key

router = Router(tags=["at risk"])


class AtRiskCustomerOut(Schema):
    external_id: str
    name: str


class AtRiskOut(Schema):
    customer: AtRiskCustomerOut
    reason: str
    reason_text: str
    location: str
    since: datetime
    feedback: int | None
    interaction: str | None


class AtRiskList(Schema):
    items: list[AtRiskOut]
    next_cursor: str | None


class AtRiskParams(Schema):
    cursor: str | None = None
    limit: int = 100


@router.get("/at-risk", response={200: AtRiskList, **ERRORS_READ})
def list_at_risk(request: HttpRequest, params: Query[AtRiskParams]):
    """The silent unhappy at your teams' locations (last 30 days, newest first, `limit` a page, 100 unless said),
    each with its reason: failed_interaction, silent_bad_score, score_drop or negative_text. Customers with an open
    case are left out. `next_cursor` brings the next page."""
    after = decode_timed_cursor(params.cursor) if params.cursor else None
    entries, more = page_after(at_risk_for_user(api_user(request)), after, page_size(params.limit))
    last = sort_key(entries[-1]) if entries else None
    return {
        "items": [_entry_out(entry) for entry in entries],
        "next_cursor": encode_time_cursor(*last) if more and last else None,
    }


def _entry_out(entry: AtRisk) -> dict:
    return {
        "customer": {"external_id": entry.customer.external_id, "name": entry.customer.name},
        "reason": entry.reason.value,
        "reason_text": str(REASON_LABELS[entry.reason]),
        "location": entry.location.code,
        "since": entry.since,
        "feedback": entry.feedback.pk if entry.feedback else None,
        "interaction": entry.interaction.external_id if entry.interaction else None,
    }
