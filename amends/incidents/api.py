from django.http import HttpRequest
from ninja import Router, Status

from amends.compensation.models import CatalogueItem
from amends.compensation.selectors import catalogue_item_get
from amends.core.apikit import ERRORS_READ, ERRORS_WRITE, ErrorOut, api_user, idempotent_create, iso, money

from .models import Incident, IncidentUpdate
from .schemas import IncidentIn, IncidentOut, PreviewOut, SendIn, UpdateIn, UpdateOut
from .selectors import incident_get_for_user, incident_preview, update_progress
from .services import Cohort, incident_announce, incident_create, incident_post_update

router = Router(tags=["amends"])


def update_out(update: IncidentUpdate) -> dict:
    return {"id": update.pk, "kind": update.kind, "created_at": iso(update.created_at),
            "progress": update_progress(update)}  # fmt: skip


def gesture_out(item: CatalogueItem) -> dict:
    return {"id": item.pk, "name": item.name, "type": item.type, "amount": money(item.default_amount),
            "currency": item.currency}  # fmt: skip


def incident_out(incident: Incident) -> dict:
    return {
        "id": incident.pk,
        "title": incident.title,
        "status": incident.status,
        "cohort": {
            "location": incident.location.code if incident.location else None,
            "from": iso(incident.occurred_from) if incident.occurred_from else None,
            "to": iso(incident.occurred_to) if incident.occurred_to else None,
            "attributes": incident.attributes,
        },
        "message": incident.messages,
        "gesture": gesture_out(incident.gesture) if incident.gesture else None,
        "created_by": incident.created_by.username,
        "created_at": iso(incident.created_at),
        "announced_at": iso(incident.announced_at) if incident.announced_at else None,
        "resolved_at": iso(incident.resolved_at) if incident.resolved_at else None,
        "members": incident.members.count(),
        "cases": sorted(incident.cases.values_list("case_id", flat=True)),
        "updates": [update_out(update) for update in incident.updates.all()],
    }


@router.post("/incidents", response={201: IncidentOut, **ERRORS_WRITE, 404: ErrorOut})
def create_incident(request: HttpRequest, payload: IncidentIn):
    """Declare an incident (a draft): who is affected, as a query over interactions, and the message per
    language. Preview it, then send it. Supervisors and admins."""
    user = api_user(request)

    def action() -> tuple[int, dict]:
        cohort = Cohort(payload.cohort.location, payload.cohort.from_, payload.cohort.to, payload.cohort.attributes)
        gesture = catalogue_item_get(payload.gesture) if payload.gesture is not None else None
        incident = incident_create(title=payload.title, cohort=cohort, messages=payload.message, by=user,
                                   gesture=gesture)  # fmt: skip
        return 201, incident_out(incident)

    return idempotent_create(request, scope="incidents", payload=payload, action=action)


@router.get("/incidents/{incident_id}", response={200: IncidentOut, **ERRORS_READ, 403: ErrorOut})
def get_incident(request: HttpRequest, incident_id: int):
    """The incident with the delivery progress of each message sent to its customers. Supervisors and admins, as
    on the incident pages (others: 403 `forbidden`)."""
    return incident_out(incident_get_for_user(api_user(request), incident_id))


@router.get("/incidents/{incident_id}/preview", response={200: PreviewOut, **ERRORS_READ, 403: ErrorOut})
def preview_incident(request: HttpRequest, incident_id: int):
    """How many customers the query reaches, their languages, a sample, and languages without a message.
    Supervisors and admins, as on the incident pages (others: 403 `forbidden`)."""
    preview = incident_preview(incident_get_for_user(api_user(request), incident_id))
    sample = [{"external_id": c.external_id, "name": c.name, "language": c.language, "has_email": bool(c.email)}
              for c in preview["sample"]]  # fmt: skip
    return {**preview, "sample": sample, "cost": cost_out(preview["cost"]),
            "sample_message": sample_message_out(preview["sample_message"])}  # fmt: skip


def cost_out(cost: dict | None) -> dict | None:
    if cost is None:
        return None
    part = {key: {"recipients": each.recipients, "total": money(each.total)} for key, each in cost.items()}
    first = cost["everyone"]
    return {"amount": money(first.amount), "currency": first.currency, **part}


def sample_message_out(sample: dict | None) -> dict | None:
    return None if sample is None else {**sample, "customer": sample["customer"].external_id}


@router.post("/incidents/{incident_id}/send", response={202: IncidentOut, **ERRORS_WRITE, 404: ErrorOut})
def send_incident(request: HttpRequest, incident_id: int, payload: SendIn | None = None):
    """Announce: the cohort is fixed and every customer's notice queued; the worker sends them in batches
    (progress on the incident). Sending again changes nothing. With a gesture that costs anything, `confirm_total`
    must be the preview's total (else 422 `confirmation_required`); customers without an email address get the
    gesture only with `include_without_email`."""
    user = api_user(request)
    incident = incident_get_for_user(user, incident_id)
    options = payload or SendIn()
    incident_announce(incident=incident, by=user, confirm_total=options.confirm_total,
                      include_without_email=options.include_without_email)  # fmt: skip
    return Status(202, incident_out(incident_get_for_user(user, incident_id)))


@router.post("/incidents/{incident_id}/updates", response={202: UpdateOut, **ERRORS_WRITE, 404: ErrorOut})
def post_update(request: HttpRequest, incident_id: int, payload: UpdateIn):
    """A status update, or with `resolved` the resolution notice, to the same customers."""
    user = api_user(request)
    incident = incident_get_for_user(user, incident_id)

    def action() -> tuple[int, dict]:
        update = incident_post_update(incident=incident, messages=payload.message, resolved=payload.resolved, by=user)
        return 202, update_out(update)

    return idempotent_create(request, scope=f"incidents.{incident.pk}.updates", payload=payload, action=action)
