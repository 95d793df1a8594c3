from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from amends.core.apikit import ERRORS_WRITE, IdIn, StrictSchema, api_user, idempotent_create, iso
from amends.core.idempotency import Outcome

from .services import invitation_request, survey_url

router = Router(tags=["surveys"])


class InvitationIn(StrictSchema):
    customer: str = Field(min_length=1, max_length=128, description="The customer's external id.")
    survey: str = Field(min_length=1, max_length=64, description="The survey's slug.")
    interaction: str | None = Field(default=None, max_length=128, description="The interaction's external id.")
    case: IdIn | None = Field(default=None, description="The case this survey follows up on.")


class InvitationOut(Schema):
    id: int
    url: str
    expires_at: datetime


@router.post("/surveys/invitations", response={201: InvitationOut, **ERRORS_WRITE})
def create_invitation(request: HttpRequest, payload: InvitationIn):
    """Invite a customer to a survey by email (in their language); answers the single-use link.

    Only at a survey whose location the caller may post at (403 `location_forbidden`, field `survey`), and only a
    customer the caller may see (admins and integration accounts: any); an unknown customer and one the caller may
    not see both get 422 `unknown_customer`. Then refused with 409 `contact_too_soon` when the customer was asked
    within the survey's interval, and `open_case` while they have an open case (unless the survey is about that
    case, or the survey allows it)."""
    user = api_user(request)

    def action() -> Outcome:
        invitation = invitation_request(
            by=user,
            survey_slug=payload.survey,
            customer_external_id=payload.customer,
            interaction_external_id=payload.interaction,
            case_id=payload.case,
        )
        return 201, {"id": invitation.pk, "url": survey_url(invitation), "expires_at": iso(invitation.expires_at)}

    return idempotent_create(request, scope="surveys.invitations.create", payload=payload, action=action)
