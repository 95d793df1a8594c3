import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from amends.analytics import stats
from amends.cases.enums import OPEN_STATUSES
from amends.cases.models import Case
from amends.cases.selectors import case_get_for_user
from amends.core.errors import DomainError, ErrorCode, NotFound
from amends.core.links import link_id, link_matches, link_token
from amends.core.models import User
from amends.core.selectors import intake_location_check
from amends.core.tasks import enqueue_with_transaction
from amends.customers.models import Customer, Interaction
from amends.customers.services import CustomerData
from amends.intake.detection import Scores
from amends.intake.enums import Channel, FeedbackKind
from amends.intake.models import Feedback
from amends.intake.services import FeedbackInput, feedback_submit

from .models import Invitation, ServqualAnswer, Survey
from .rules import Refusal, invitation_refusal

REFUSAL_MESSAGES = {
    Refusal.TOO_SOON: _("This customer was asked for feedback too recently."),
    Refusal.OPEN_CASE: _("This customer has an open case; ask when it is resolved."),
}


SURVEY_LINK_SALT = "amends.surveys.invitation"


def survey_token(invitation: Invitation) -> str:
    return link_token(SURVEY_LINK_SALT, invitation.pk, invitation.nonce)


def survey_url(invitation: Invitation) -> str:
    return settings.AMENDS_BASE_URL.rstrip("/") + reverse("surveys:answer", args=[survey_token(invitation)])


@transaction.atomic
def invitation_create(
    *,
    survey: Survey,
    customer: Customer,
    interaction: Interaction | None = None,
    case: Case | None = None,
    send_after: datetime | None = None,
) -> Invitation:
    """Invite the customer by email (now, or once `send_after` has passed), unless contact-frequency rules forbid
    it. The link is valid, and the reminder due, counted from when it is sent."""
    Customer.objects.select_for_update().filter(pk=customer.pk).first()  # one invitation decision at a time
    now = timezone.now()
    last = customer.survey_invitations.order_by("-created_at").values_list("created_at", flat=True).first()
    refusal = invitation_refusal(
        now=now,
        last_invited_at=last,
        min_days_between=survey.min_days_between,
        has_open_case=customer.cases.filter(status__in=OPEN_STATUSES).exists(),
        during_open_case=survey.during_open_case,
        about_a_case=case is not None,
    )
    if refusal is not None:
        raise DomainError(ErrorCode(refusal.value), str(REFUSAL_MESSAGES[refusal]), field="customer", status=409)
    sends_at = max(now, send_after or now)
    invitation = Invitation.objects.create(
        survey=survey,
        customer=customer,
        interaction=interaction,
        case=case,
        nonce=secrets.token_hex(16),
        language=customer.language or settings.LANGUAGE_CODE,
        created_at=now,
        send_after=sends_at if sends_at > now else None,
        expires_at=sends_at + timedelta(days=survey.valid_days),
        remind_at=sends_at + timedelta(days=survey.reminder_after_days),
    )
    if invitation.send_after is None:
        from .tasks import invitation_send_task

        enqueue_with_transaction(invitation_send_task, invitation.pk)
    return invitation


def invitation_request(
    *,
    by: User,
    survey_slug: str,
    customer_external_id: str,
    interaction_external_id: str | None = None,
    case_id: int | None = None,
) -> Invitation:
    """An invitation a caller asks for (the API): a survey at a location they may post at (`may_post_intake_at`),
    for a customer they may see (admins and integration accounts: any customer).

    An unknown customer and one the caller may not see get the same answer, and whether the customer may be asked
    now (`contact_too_soon`, `open_case`) is told only after that check: the answers reveal nothing of other teams'
    customers.
    """
    survey = Survey.objects.select_related("location").filter(slug=survey_slug, is_active=True).first()
    if survey is None:
        message = _("There is no active survey %(slug)s.") % {"slug": survey_slug}
        raise DomainError(ErrorCode.UNKNOWN_SURVEY, message, field="survey", status=422)
    intake_location_check(by, survey.location, field="survey")
    customer = _invitable_customer(by, customer_external_id)
    interaction = None
    if interaction_external_id:
        interaction = Interaction.objects.filter(external_id=interaction_external_id, customer=customer).first()
        if interaction is None:
            message = _("There is no interaction %(id)s for this customer.") % {"id": interaction_external_id}
            raise DomainError(ErrorCode.UNKNOWN_INTERACTION, message, field="interaction", status=422)
    case = case_get_for_user(user=by, case_id=case_id) if case_id is not None else None
    return invitation_create(survey=survey, customer=customer, interaction=interaction, case=case)


def _invitable_customer(by: User, external_id: str) -> Customer:
    from amends.customers.selectors import customer_for_user  # the customer selectors read surveys' neighbours

    try:
        if by.intake_everywhere:
            return Customer.objects.get(external_id=external_id)
        return customer_for_user(user=by, external_id=external_id)
    except (Customer.DoesNotExist, NotFound) as exc:
        # One answer for "no such customer" and "not yours": nobody learns who is another team's customer.
        message = _("There is no such customer, or you may not invite them.")
        raise DomainError(ErrorCode.UNKNOWN_CUSTOMER, message, field="customer", status=422) from exc


def invitations_after_interaction(interaction: Interaction) -> list[Invitation]:
    """Surveys that follow every interaction at its location; a customer the rules protect is simply not asked."""
    surveys = Survey.objects.filter(
        is_active=True, trigger=Survey.Trigger.INTERACTION, location_id=interaction.location_id
    ).select_related("location")
    return _invite_quietly(
        surveys, customer=interaction.customer, start=interaction.occurred_at, interaction=interaction
    )


def invitations_after_case_resolved(case: Case) -> list[Invitation]:
    """Surveys that ask how a resolved case was handled."""
    surveys = Survey.objects.filter(
        is_active=True, trigger=Survey.Trigger.CASE_RESOLVED, location_id=case.location_id
    ).select_related("location")
    return _invite_quietly(surveys, customer=case.customer, start=case.resolved_at or timezone.now(), case=case)


def _invite_quietly(
    surveys: Iterable[Survey], *, customer: Customer, start: datetime, **about: Any
) -> list[Invitation]:
    invitations = []
    for survey in surveys:
        try:
            with transaction.atomic():
                invitations.append(
                    invitation_create(
                        survey=survey,
                        customer=customer,
                        send_after=start + timedelta(hours=survey.delay_hours),
                        **about,
                    )
                )
        except DomainError:
            continue  # asked too recently, or a recovery is under way: not asking is the rule working
    return invitations


def invitation_by_token(raw: str) -> Invitation:
    """The invitation behind a survey link, if the link is still good."""
    invitation = (
        Invitation.objects.select_related("survey__location", "customer", "interaction").filter(pk=link_id(raw)).first()
    )
    if invitation is None or not link_matches(SURVEY_LINK_SALT, invitation.pk, invitation.nonce, raw):
        raise NotFound(_("This survey link does not exist."))
    if invitation.answered_at is not None:
        raise DomainError(ErrorCode.TOKEN_USED, _("You already answered this survey. Thank you!"), status=410)
    if invitation.expires_at <= timezone.now():
        raise DomainError(ErrorCode.TOKEN_EXPIRED, _("This survey link has expired."), status=410)
    return invitation


def _unanswered_locked(raw_token: str) -> Invitation:
    invitation = invitation_by_token(raw_token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.answered_at is not None:  # a second tab submitted first
        raise DomainError(ErrorCode.TOKEN_USED, _("You already answered this survey. Thank you!"), status=410)
    return invitation


@transaction.atomic
def survey_answer(*, raw_token: str, scores: Scores, text: str) -> Feedback:
    """Store the answer once (the link is single-use); a negative one opens a recovery case."""
    invitation = _unanswered_locked(raw_token)
    customer = invitation.customer
    feedback, _case = feedback_submit(
        FeedbackInput(
            customer=CustomerData(external_id=customer.external_id),
            location_code=invitation.survey.location.code,
            channel=Channel.SURVEY,
            kind=FeedbackKind.SURVEY,
            scores=scores,
            text=text.strip(),
            occurred_at=timezone.now(),
            interaction_external_id=invitation.interaction.external_id if invitation.interaction else None,
            language=invitation.language,
            source="survey",
            external_ref=f"invitation:{invitation.pk}",
            attributes={"survey": invitation.survey.slug},
        )
    )
    invitation.answered_at = feedback.received_at or timezone.now()
    invitation.feedback = feedback
    invitation.save(update_fields=["answered_at", "feedback"])
    return feedback


def _servqual_complete(expectations: list[int], perceptions: list[int], importance: dict[str, int]) -> bool:
    if None in expectations or None in perceptions or set(importance) != set(stats.SERVQUAL_DIMENSIONS):
        return False
    try:  # the scales, the number of statements and the 100 points
        stats.servqual_gaps([stats.ServqualResponse(expectations, perceptions, importance)])
    except ValueError:
        return False
    return True


@transaction.atomic
def servqual_answer(
    *, raw_token: str, expectations: list[int], perceptions: list[int], importance: dict[str, int]
) -> ServqualAnswer:
    """Store a complete SERVQUAL answer once (the link is single-use); the analytics read it at their next refresh."""
    invitation = _unanswered_locked(raw_token)
    if not _servqual_complete(expectations, perceptions, importance):
        raise DomainError(ErrorCode.INVALID_VALUE, _("Answer every statement on both scales and share 100 points."))
    now = timezone.now()
    answer = ServqualAnswer.objects.create(
        invitation=invitation, customer=invitation.customer, location=invitation.survey.location,
        expectations=expectations, perceptions=perceptions, importance=importance, language=invitation.language,
        answered_at=now,
    )  # fmt: skip
    invitation.answered_at = now
    invitation.save(update_fields=["answered_at"])
    return answer
