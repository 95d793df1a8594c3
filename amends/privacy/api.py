from django.http import HttpRequest
from ninja import Router

from amends.core.apikit import ErrorOut, api_user, iso

from .enums import ErasureVia
from .models import ErasureRecord
from .schemas import EraseIn, ErasureOut
from .selectors import customer_export, customer_for_privacy
from .services import customer_erase

router = Router(tags=["customers"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def erasure_out(record: ErasureRecord) -> dict:
    return {
        "id": record.pk,
        "customer": record.pseudonym,
        "erased_at": iso(record.erased_at),
        "erased_by": record.erased_by.username if record.erased_by else None,
        "via": record.via,
        "reason": record.reason,
        "counts": record.counts,
    }


@router.get("/customers/{external_id}/export", response={200: dict, **ERRORS})
def export_customer(request: HttpRequest, external_id: str):
    """Admins: everything stored about the customer, as one JSON document (GDPR access and portability).
    Attachments are listed with name, size, SHA-256 and a download link, not embedded."""
    customer = customer_for_privacy(user=api_user(request), external_id=external_id)
    return customer_export(customer)


@router.post("/customers/{external_id}/erase", response={200: ErasureOut, **ERRORS})
def erase_customer(request: HttpRequest, external_id: str, payload: EraseIn):
    """Admins: anonymise the customer's personal data and free texts everywhere (GDPR erasure); numbers, dates and
    the ledger's amounts stay. Written on the audit trail and on each of their cases. Erasing twice is harmless."""
    user = api_user(request)
    customer = customer_for_privacy(user=user, external_id=external_id)
    return erasure_out(customer_erase(customer=customer, by=user, reason=payload.reason, via=ErasureVia.API))
