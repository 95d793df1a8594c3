from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from amends.core.apikit import ERRORS_READ, api_user

from .at_risk import REASON_LABELS
from .at_risk_selectors import at_risk_for_user

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


@router.get("/at-risk", response={200: AtRiskList, **ERRORS_READ})
def list_at_risk(request: HttpRequest):
    """The silent unhappy at your teams' locations (last 30 days, at most 100, newest first), each with its reason:
    failed_interaction, silent_bad_score, score_drop or negative_text. Customers with an open case are left out."""
    entries = at_risk_for_user(api_user(request))
    return {
        "items": [
            {
                "customer": {"external_id": entry.customer.external_id, "name": entry.customer.name},
                "reason": entry.reason.value,
                "reason_text": str(REASON_LABELS[entry.reason]),
                "location": entry.location.code,
                "since": entry.since,
                "feedback": entry.feedback.pk if entry.feedback else None,
                "interaction": entry.interaction.external_id if entry.interaction else None,
            }
            for entry in entries
        ],
        "next_cursor": None,
    }
