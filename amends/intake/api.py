from collections.abc import Iterable

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router

from amends.cases.models import Case
from amends.cases.selectors import cases_visible_to
from amends.core.apikit import ERRORS_READ, ERRORS_WRITE, api_user, idempotent_create, iso
from amends.core.batch import BatchIn, BatchOut, BulkCreate, run_batch
from amends.core.idempotency import Outcome
from amends.core.models import User
from amends.customers.services import may_change_contact
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


def visible_case_ids(user: User, case_ids: Iterable[int]) -> set[int]:
    """Which of these cases the caller may see: an intake answer names no other case (it may be another team's)."""
    wanted = set(case_ids)
    if not wanted:
        return set()
    return set(cases_visible_to(user).filter(pk__in=wanted).values_list("pk", flat=True))


def feedback_input(payload: FeedbackIn, user: User) -> FeedbackInput:
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
        posted_by=user,
        may_change_contact=may_change_contact(user),
    )


def submit(payload: FeedbackIn, user: User) -> Outcome:
    feedback, case = feedback_submit(feedback_input(payload, user))
    if case is not None and not visible_case_ids(user, [case.pk]):
        case = None
    return 201, {"id": feedback.pk, "case": case_brief(case)}


def submitted(stored: Stored, visible: set[int]) -> Outcome:
    """What `submit` answers, for an item stored by the batch (`visible`: the cases the caller may see)."""
    case = stored.case
    brief = None
    if case is not None and case.pk in visible:
        brief = {"id": case.pk, "status": case.status, "first_response_due_at": iso(case.first_response_due_at)}
    return 201, {"id": stored.feedback_id, "case": brief}


def submitted_many(user: User, checked: list[Checked]) -> list[Outcome]:
    stored = feedback_submit_many(checked)
    visible = visible_case_ids(user, (item.case.pk for item in stored if item.case is not None))
    return [submitted(item, visible) for item in stored]


def bulk_submit(user: User) -> BulkCreate[FeedbackIn, Checked]:
    """The batch stores its items together, with the answers `submit` gives (amends.intake.batch)."""
    return BulkCreate(
        check=lambda payloads: feedback_check_many([feedback_input(payload, user) for payload in payloads]),
        write=lambda checked: submitted_many(user, checked),
    )


@router.post("/feedback", response={201: FeedbackCreated, **ERRORS_WRITE})
def create_feedback(request: HttpRequest, payload: FeedbackIn):
    """Store a survey answer or complaint. A negative one opens a recovery case, or joins the customer's open case.

    Negative means NPS <= 6, CSAT <= 2, CES >= 5, or any complaint.

    A caller posts at the locations of their teams (admins and integration accounts everywhere; else 403
    `location_forbidden`). Only admins and integration accounts change a known customer's contact details; another
    caller's differing values are kept with the feedback (`contact_given`). `case` is null when the caller may not
    see the case (another team's open case that the feedback joined).
    """
    user = api_user(request)
    return idempotent_create(request, scope=SCOPE, payload=payload, action=lambda: submit(payload, user))


@router.post("/feedback/batch", response={200: BatchOut, **ERRORS_WRITE})
def create_feedback_batch(request: HttpRequest, payload: BatchIn):
    """Store up to 1,000 answers or complaints, each on its own with its own result (`result` is what the single
    endpoint answers); one bad item does not reject the others. An item's `idempotency_key` makes its retry return
    the first result."""
    user = api_user(request)
    return run_batch(
        request,
        scope=SCOPE,
        items=payload.items,
        schema=FeedbackIn,
        create=lambda item: submit(item, user),
        bulk=bulk_submit(user),
    )


@router.get("/feedback/{feedback_id}", response={200: FeedbackOut, **ERRORS_READ})
def get_feedback(request: HttpRequest, feedback_id: int):
    user = api_user(request)
    feedback: Feedback = feedback_get_for_user(user=user, feedback_id=feedback_id)
    case = feedback.case if feedback.case_id in visible_case_ids(user, [feedback.case_id or 0]) else None
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
        "case": case_brief(case),
        "text_sense": text_sense_of(feedback),
    }
