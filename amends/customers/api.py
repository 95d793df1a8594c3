from django.http import HttpRequest
from ninja import Router

from amends.core.apikit import ERRORS_WRITE, idempotent_create, iso
from amends.core.batch import BatchIn, BatchOut, run_batch
from amends.core.idempotency import Outcome

from .models import Interaction
from .schemas import InteractionIn, InteractionOut
from .services import interaction_record

router = Router(tags=["interactions"])
SCOPE = "interactions.create"


def interaction_out(interaction: Interaction) -> dict:
    return {
        "id": interaction.pk,
        "external_id": interaction.external_id,
        "customer": interaction.customer.external_id,
        "location": interaction.location.code,
        "kind": interaction.kind,
        "occurred_at": iso(interaction.occurred_at),
        "attributes": interaction.attributes,
    }


def record(payload: InteractionIn) -> Outcome:
    interaction = interaction_record(
        external_id=payload.external_id,
        customer=payload.customer.as_data(),
        location_code=payload.location,
        kind=payload.kind,
        occurred_at=payload.occurred_at,
        attributes=payload.attributes,
    )
    return 201, interaction_out(interaction)


@router.post("/interactions", response={201: InteractionOut, **ERRORS_WRITE})
def create_interaction(request: HttpRequest, payload: InteractionIn):
    """Record a service event (an order, a stay, a flight) for a customer at a location."""
    return idempotent_create(request, scope=SCOPE, payload=payload, action=lambda: record(payload))


@router.post("/interactions/batch", response={200: BatchOut, **ERRORS_WRITE})
def create_interactions(request: HttpRequest, payload: BatchIn):
    """Record up to 1,000 service events. Each item is stored on its own and has its own result; one bad item does
    not reject the others. An item's `idempotency_key` makes its retry return the first result."""
    return run_batch(request, scope=SCOPE, items=payload.items, schema=InteractionIn, create=record)
