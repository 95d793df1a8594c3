from django.http import HttpRequest
from ninja import Router, Status

from amends.core.apikit import ERRORS_WRITE, ErrorOut
from amends.intake.api import case_brief
from amends.intake.schemas import FeedbackCreated

from .services import webhook_receive
from .signing import SIGNATURE_HEADER

router = Router(tags=["intake webhooks"])


@router.post("/intake/webhooks/{source}", auth=None, response={201: FeedbackCreated, 404: ErrorOut, **ERRORS_WRITE})
def receive_webhook(request: HttpRequest, source: str):
    """Signed JSON from a review or social-media tool, mapped to feedback by the source's mapping.

    Sign with the source's secret: `Amends-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`.
    Deliveries outside the source's timestamp tolerance, and the same delivery twice, are refused.
    """
    feedback, case = webhook_receive(
        source_slug=source, signature_header=request.headers.get(SIGNATURE_HEADER), body=request.body
    )
    return Status(201, {"id": feedback.pk, "case": case_brief(case)})
