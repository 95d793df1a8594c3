from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from amends.notifications.transports.email import send_email

from .models import Invitation


def _message(invitation: Invitation, url: str, *, reminder: bool) -> dict[str, str]:
    with translation.override(invitation.language):
        subject = _("A reminder: how did we do?") if reminder else _("How did we do?")
        body = "\n".join(
            [
                _("Dear %(name)s,") % {"name": invitation.customer.name or invitation.customer.external_id},
                "",
                _("Would you tell us how your experience with %(place)s was? It takes a minute.")
                % {"place": invitation.survey.location.name},
                "",
                url,
                "",
                _("The link works once and expires on %(date)s.")
                % {"date": invitation.expires_at.strftime("%Y-%m-%d")},
            ]
        )
    return {"subject": subject, "body": body}


@task()
def invitation_send_task(invitation_id: int) -> bool:
    """Email the survey link; claimed with a conditional update so it is sent once."""
    from .services import survey_url

    with transaction.atomic():
        claimed = Invitation.objects.filter(pk=invitation_id, sent_at__isnull=True).update(sent_at=timezone.now())
        if not claimed:
            return False
        invitation = Invitation.objects.select_related("customer", "survey__location").get(pk=invitation_id)
        if not invitation.customer.email:
            return False
        send_email(to=[invitation.customer.email], **_message(invitation, survey_url(invitation), reminder=False))
        return True


@task()
def invitation_reminders_task() -> int:
    """Send the one reminder to every unanswered invitation that is due for it; returns how many were sent.

    Each row is claimed with a conditional update, so several workers running this sweep never remind twice.
    """
    from .services import survey_url

    now = timezone.now()
    due = Invitation.objects.filter(
        remind_at__lte=now,
        reminded_at__isnull=True,
        answered_at__isnull=True,
        expires_at__gt=now,
        sent_at__isnull=False,
    ).values_list("pk", flat=True)
    sent = 0
    for invitation_id in list(due[:500]):
        with transaction.atomic():
            claimed = Invitation.objects.filter(pk=invitation_id, reminded_at__isnull=True).update(reminded_at=now)
            if not claimed:
                continue
            invitation = Invitation.objects.select_related("customer", "survey__location").get(pk=invitation_id)
            if invitation.customer.email:
                send_email(
                    to=[invitation.customer.email], **_message(invitation, survey_url(invitation), reminder=True)
                )
                sent += 1
    return sent


@task()
def invitations_due_task() -> int:
    """Send the invitations whose delay has passed (after a stay, a delivery, a resolved case); returns how many.

    Sending claims each invitation with a conditional update, so overlapping sweeps never send one twice.
    """
    now = timezone.now()
    due = Invitation.objects.filter(send_after__lte=now, sent_at__isnull=True, expires_at__gt=now)
    return sum(
        bool(invitation_send_task.call(invitation_id)) for invitation_id in list(due.values_list("pk", flat=True)[:500])
    )
