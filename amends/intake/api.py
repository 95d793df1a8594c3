from django.http import HttpRequest
from django.utils import timezone
from ninja import Router

from amends.cases.models import Case
from amends.core.apikit import ERRORS_READ, ERRORS_WRITE, api_user, idempotent_create, iso
from amends.core.batch import BatchIn, BatchOut, BulkCreate, run_batch
from amends.core.idempotency import Outcome
from amends.textsense.selectors import text_sense_of

from .batch import Checked, Stored, feedback_check_many, feedback_submit_many
from .detection import Scores
from .models import Feedback
from .schemas import FeedbackCreated, FeedbackIn, FeedbackOut
from .selectors import feedback_get_for_user
from .services import FeedbackInput, feedback_submit

router = Router(tags=["feedback"])
SCOPE = "feedback.create"


def case_brief(case: Case | None) -> dict | None:
    if case is None:
        return None
    return {
        "id": case.pk,
        "status": case.status,
        "first_response_due_at": iso(case.first_response_due_at),
    }


def feedback_input(payload: FeedbackIn) -> FeedbackInput:
    return FeedbackInput(
        customer=payload.customer.as_data(),
        location_code=payload.location,
        channel=payload.channel,
        kind=payload.kind,
        scores=Scores(**payload.scores.dict()),
        text=payload.text,
        occurred_at=payload.occurred_at or timezone.now(),
        interaction_external_id=payload.interaction,
        language=payload.language.value if payload.language else None,
    )


def submit(payload: FeedbackIn) -> Outcome:
    feedback, case = feedback_submit(feedback_input(payload))
    return 201, {"id": feedback.pk, "case": case_brief(case)}


def submitted(stored: Stored) -> Outcome:
    """What `submit` answers, for an item stored by the batch."""
    case = stored.case
    brief = None
    if case is not None:
        brief = {"id": case.pk, "status": case.status, "first_response_due_at": iso(case.first_response_due_at)}
    return 201, {"id": stored.feedback_id, "case": brief}


# The batch stores its items together, with the answers `submit` gives (amends.intake.batch).
BULK_SUBMIT: BulkCreate[FeedbackIn, Checked] = BulkCreate(
    check=lambda payloads: feedback_check_many([feedback_input(payload) for payload in payloads]),
    write=lambda checked: [submitted(stored) for stored in feedback_submit_many(checked)],
)


@router.post("/feedback", response={201: FeedbackCreated, **ERRORS_WRITE})
def create_feedback(request: HttpRequest, payload: FeedbackIn):
    """Store a survey answer or complaint. A negative one opens a recovery case, or joins the customer's open case.

    Negative means NPS <= 6, CSAT <= 2, CES >= 5, or any complaint.
    """
    return idempotent_create(request, scope=SCOPE, payload=payload, action=lambda: submit(payload))


@router.post("/feedback/batch", response={200: BatchOut, **ERRORS_WRITE})
def create_feedback_batch(request: HttpRequest, payload: BatchIn):
    """Store up to 1,000 answers or complaints, each on its own with its own result (`result` is what the single
    endpoint answers); one bad item does not reject the others. An item's `idempotency_key` makes its retry return
    the first result."""
    return run_batch(request, scope=SCOPE, items=payload.items, schema=FeedbackIn, create=submit, bulk=BULK_SUBMIT)


@router.get("/feedback/{feedback_id}", response={200: FeedbackOut, **ERRORS_READ})
def get_feedback(request: HttpRequest, feedback_id: int):
    feedback: Feedback = feedback_get_for_user(user=api_user(request), feedback_id=feedback_id)
    return {
        "id": feedback.pk,
        "customer": feedback.customer.external_id,
        "location": feedback.location.code,
        "interaction": feedback.interaction.external_id if feedback.interaction else None,
        "channel": feedback.channel,
        "kind": feedback.kind,
        "scores": {"csat": feedback.csat, "nps": feedback.nps, "ces": feedback.ces, "repurchase": feedback.repurchase},
        "text": feedback.text,
        "language": feedback.language,
        "negative": feedback.is_negative,
        "occurred_at": feedback.occurred_at,
        "received_at": feedback.received_at,
        "case": case_brief(feedback.case),
        "text_sense": text_sense_of(feedback),
    }
