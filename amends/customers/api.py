from django.http import HttpRequest
from ninja import Router

from amends.core.apikit import ERRORS_WRITE, idempotent_create

from .models import Interaction
from .schemas import InteractionIn, InteractionOut
from .services import interaction_record

router = Router(tags=["interactions"])


def interaction_out(interaction: Interaction) -> dict:
    return {
        "id": interaction.pk,
        "external_id": interaction.external_id,
        "customer": interaction.customer.external_id,
        "location": interaction.location.code,
        "kind": interaction.kind,
        "occurred_at": interaction.occurred_at.isoformat(),
        "attributes": interaction.attributes,
    }


@router.post("/interactions", response={201: InteractionOut, **ERRORS_WRITE})
def create_interaction(request: HttpRequest, payload: InteractionIn):
    """Record a service event (an order, a stay, a flight) for a customer at a location."""

    def action() -> tuple[int, dict]:
        interaction = interaction_record(
            external_id=payload.external_id,
            customer=payload.customer.as_data(),
            location_code=payload.location,
            kind=payload.kind,
            occurred_at=payload.occurred_at,
            attributes=payload.attributes,
        )
        return 201, interaction_out(interaction)

    return idempotent_create(request, scope="interactions.create", payload=payload.dict(), action=action)
