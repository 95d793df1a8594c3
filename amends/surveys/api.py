from datetime import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import Field

from amends.cases.selectors import case_get_for_user
from amends.core.apikit import ERRORS_WRITE, IdIn, StrictSchema, api_user, idempotent_create, iso
from amends.core.errors import DomainError, ErrorCode
from amends.core.idempotency import Outcome
from amends.customers.models import Customer, Interaction

from .models import Survey
from .services import invitation_create, survey_url

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


def _unknown(code: ErrorCode, field: str, message: str) -> DomainError:
    return DomainError(code, message, field=field, status=422)


@router.post("/surveys/invitations", response={201: InvitationOut, **ERRORS_WRITE})
def create_invitation(request: HttpRequest, payload: InvitationIn):
    """Invite a customer to a survey by email (in their language); answers the single-use link.

    Refused with 409 `contact_too_soon` when the customer was asked within the survey's interval, and `open_case`
    while they have an open case (unless the survey is about that case, or the survey allows it)."""
    user = api_user(request)

    def action() -> Outcome:
        survey = Survey.objects.select_related("location").filter(slug=payload.survey, is_active=True).first()
        if survey is None:
            raise _unknown(
                ErrorCode.UNKNOWN_SURVEY, "survey", _("There is no active survey %(slug)s.") % {"slug": payload.survey}
            )
        customer = Customer.objects.filter(external_id=payload.customer).first()
        if customer is None:
            raise _unknown(
                ErrorCode.UNKNOWN_CUSTOMER, "customer", _("There is no customer %(id)s.") % {"id": payload.customer}
            )
        interaction = None
        if payload.interaction:
            interaction = Interaction.objects.filter(external_id=payload.interaction, customer=customer).first()
            if interaction is None:
                raise _unknown(
                    ErrorCode.UNKNOWN_INTERACTION,
                    "interaction",
                    _("There is no interaction %(id)s for this customer.") % {"id": payload.interaction},
                )
        case = case_get_for_user(user=user, case_id=payload.case) if payload.case else None
        invitation = invitation_create(survey=survey, customer=customer, interaction=interaction, case=case)
        return 201, {"id": invitation.pk, "url": survey_url(invitation), "expires_at": iso(invitation.expires_at)}

    return idempotent_create(request, scope="surveys.invitations.create", payload=payload, action=action)
