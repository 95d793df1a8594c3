from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from amends.notifications.transports.email import send_email

from .enums import FollowUpStatus
from .models import FollowUp

BATCH = 500


def _message(follow_up: FollowUp, url: str, *, reminder: bool) -> dict[str, str]:
    with translation.override(follow_up.language):
        subject = _("A reminder: did we put it right?") if reminder else _("Did we put it right?")
        customer = follow_up.customer
        body = "\n".join(
            [
                _("Dear %(name)s,") % {"name": customer.name or customer.external_id},
                "",
                _("Recently we worked on a problem you had with %(place)s (case #%(id)s).")
                % {"place": follow_up.case.location.name, "id": follow_up.case_id},
                _("We would like to know whether we put it right. It takes a minute:"),
                "",
                url,
                "",
                _("The link works once and expires on %(date)s.") % {"date": follow_up.closes_at.strftime("%Y-%m-%d")},
            ]
        )
    return {"subject": subject, "body": body}


def _send(follow_up_id: int, *, reminder: bool) -> bool:
    """Claim, then email, in one transaction: a failed send leaves it unclaimed for the next sweep."""
    from .services import follow_up_claim, follow_up_url

    with transaction.atomic():
        follow_up = follow_up_claim(follow_up_id, reminder=reminder, now=timezone.now())
        if follow_up is None or not follow_up.customer.email:
            return False
        send_email(to=[follow_up.customer.email], **_message(follow_up, follow_up_url(follow_up), reminder=reminder))
        return True


@task()
def follow_up_sweep_task() -> dict[str, int]:
    """Send the follow-ups that are due, remind once, and close the unanswered; safe to run on several workers."""
    from .services import follow_ups_close_unanswered

    now = timezone.now()
    due = FollowUp.objects.filter(status=FollowUpStatus.SCHEDULED, due_at__lte=now).order_by("due_at")
    remind = FollowUp.objects.filter(status=FollowUpStatus.SENT, remind_at__lte=now).order_by("remind_at")
    sent = sum(_send(pk, reminder=False) for pk in list(due.values_list("pk", flat=True)[:BATCH]))
    reminded = sum(_send(pk, reminder=True) for pk in list(remind.values_list("pk", flat=True)[:BATCH]))
    return {"sent": sent, "reminded": reminded, "unanswered": follow_ups_close_unanswered(now)}
