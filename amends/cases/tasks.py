from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from amends.notifications.delivery import STALLED_REASON, deliver, stalled_give_up
from amends.notifications.enums import DeliveryStatus
from amends.notifications.transports.email import email_message

from .enums import OPEN_STATUSES, EventKind
from .models import Case, CaseEvent, CaseMessage


@task()
def case_opened_alert_task(case_id: int) -> int:
    """Tell the case's team by email that a new recovery case is waiting; returns how many emails were queued.

    Idempotent: the case is claimed with a conditional update, in the transaction that puts one email per recipient
    in the outbox; each is then sent once by its own task, tried again while the failure may pass, and kept failed
    with the reason when refused (notifications.delivery). So a worker that dies halfway sends nobody two alerts.
    """
    from amends.notifications.services import email_queue

    with transaction.atomic():
        claimed = Case.objects.filter(pk=case_id, alert_sent_at__isnull=True).update(alert_sent_at=timezone.now())
        if not claimed:
            return 0
        case = Case.objects.select_related("team", "customer", "location").get(pk=case_id)
        from amends.incidents.services import incident_cases_attach  # incidents build on cases

        incident_cases_attach(case)
        if case.team is None or case.status not in OPEN_STATUSES:
            return 0  # nobody to tell, or already handled: no news for anyone
        recipients: dict[str, str] = {
            member.email: member.language or settings.LANGUAGE_CODE
            for member in case.team.members.filter(is_active=True).exclude(email="")
        }
        if case.team.email:
            recipients.setdefault(case.team.email, settings.LANGUAGE_CODE)
        for email, language in sorted(recipients.items()):
            with translation.override(language):
                subject, body = _alert_message(case)
            email_queue(to=email, subject=subject, body=body, kind=EventKind.OPENED, case_id=case.pk)
        CaseEvent.objects.create(
            case=case,
            kind=EventKind.ALERT_SENT,
            data={"recipients": len(recipients)},
            created_at=timezone.now(),
        )
        return len(recipients)


def _alert_message(case: Case) -> tuple[str, str]:
    subject = _("New recovery case #%(id)s at %(location)s") % {"id": case.pk, "location": case.location.name}
    link = settings.AMENDS_BASE_URL.rstrip("/") + reverse("web:case", args=[case.pk])
    body = "\n".join(
        [
            _("A customer needs us: %(customer)s.") % {"customer": case.customer},
            _("Severity: %(severity)s") % {"severity": case.get_severity_display()},
            _("First response due: %(due)s UTC") % {"due": case.first_response_due_at.strftime("%Y-%m-%d %H:%M")},
            "",
            case.summary,
            "",
            _("Take it: %(link)s") % {"link": link},
        ]
    )
    return subject, body


SWEEP_BATCH = 500


@task()
def sla_sweep_task() -> int:
    """Take every escalation step that is due; returns how many were taken. Safe on several workers at once."""
    from .services import case_escalate  # services queue this module's tasks

    due = Case.objects.filter(escalation_at__lte=timezone.now()).order_by("escalation_at")
    return sum(case_escalate(case_id=case_id) is not None for case_id in due.values_list("id", flat=True)[:SWEEP_BATCH])


@task()
def reopen_window_sweep_task() -> int:
    """Close the resolved cases whose reopen window has ended; returns how many."""
    from .services import case_close_after_reopen_window

    ended = Case.objects.filter(status="resolved", reopen_until__lte=timezone.now())
    return sum(
        case_close_after_reopen_window(case_id=case_id) for case_id in ended.values_list("id", flat=True)[:SWEEP_BATCH]
    )


@task()
def case_message_send_task(message_id: int) -> bool:
    """Email one message to the customer, once; tried again while the failure may pass (notifications.delivery).
    A message that cannot be sent says why on the case, and its author is told. Threaded onto the customer's own
    email, when they wrote one."""
    from .services import case_message_failed

    delivery = deliver(CaseMessage, message_id, build=_customer_email, retry=case_message_send_task)
    if delivery is not None and delivery.status == DeliveryStatus.FAILED:
        case_message_failed(message_id=message_id, reason=delivery.reason)
    return delivery is not None and delivery.status == DeliveryStatus.SENT


def _customer_email(message: CaseMessage) -> EmailMessage:
    headers = {"Message-ID": message.message_id}
    answered = message.case.feedback.filter(channel="email").exclude(external_ref="").order_by("-id").first()
    if answered is not None and answered.external_ref.startswith("<"):
        headers |= {"In-Reply-To": answered.external_ref, "References": answered.external_ref}
    return email_message(to=[message.to_email], subject=message.subject, body=message.body, headers=headers)


@task()
def case_messages_stalled_task() -> int:
    """Messages whose worker died while sending them are marked failed, on the case and to their author (they may
    have gone out, so they are not sent again); returns how many."""
    from .services import case_message_failed

    stalled = stalled_give_up(CaseMessage)
    for message_id in stalled:
        case_message_failed(message_id=message_id, reason=STALLED_REASON)
    return len(stalled)
