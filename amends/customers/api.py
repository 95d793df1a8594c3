from django.http import HttpRequest
from ninja import Router

from amends.core.apikit import ERRORS_READ, ERRORS_WRITE, api_user, idempotent_create, iso
from amends.core.batch import BatchIn, BatchOut, run_batch
from amends.core.idempotency import Outcome
from amends.core.models import User

from .models import Interaction
from .schemas import CustomerProfileOut, InteractionIn, InteractionOut
from .selectors import customer_view
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


def record(payload: InteractionIn, user: User) -> Outcome:
    interaction = interaction_record(
        external_id=payload.external_id,
        customer=payload.customer.as_data(),
        location_code=payload.location,
        kind=payload.kind,
        occurred_at=payload.occurred_at,
        attributes=payload.attributes,
        by=user,
    )
    return 201, interaction_out(interaction)


@router.post("/interactions", response={201: InteractionOut, **ERRORS_WRITE})
def create_interaction(request: HttpRequest, payload: InteractionIn):
    """Record a service event (an order, a stay, a flight) for a customer at a location.

    A caller posts at the locations of their teams (admins and integration accounts everywhere; else 403
    `location_forbidden`). Only admins and integration accounts change a known customer's contact details; another
    caller's differing values are kept aside in `attributes.contact_given`."""
    user = api_user(request)
    return idempotent_create(request, scope=SCOPE, payload=payload, action=lambda: record(payload, user))


@router.post("/interactions/batch", response={200: BatchOut, **ERRORS_WRITE})
def create_interactions(request: HttpRequest, payload: BatchIn):
    """Record up to 1,000 service events. Each item is stored on its own and has its own result; one bad item does
    not reject the others. An item's `idempotency_key` makes its retry return the first result."""
    user = api_user(request)
    return run_batch(
        request, scope=SCOPE, items=payload.items, schema=InteractionIn, create=lambda item: record(item, user)
    )


@router.get("/customers/{external_id}", response={200: CustomerProfileOut, **ERRORS_READ}, tags=["customers"])
def get_customer(request: HttpRequest, external_id: str):
    """Customer 360: the profile and one timeline of interactions, feedback, cases, notes, messages, gestures
    and incident notices."""
    view = customer_view(user=api_user(request), external_id=external_id)
    customer = view.customer
    return {
        "external_id": customer.external_id,
        "name": customer.name,
        "email": customer.email,
        "phone": customer.phone,
        "language": customer.language,
        "segment": customer.segment,
        "open_case": view.open_case_id,
        "counts": view.counts,
        "timeline": [
            {
                "kind": item.kind,
                "at": item.at,
                "title": item.title,
                "detail": item.detail,
                "case": item.case_id,
                "author": item.author,
            }
            for item in view.timeline
        ],
    }
