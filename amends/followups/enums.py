from django.db import models
from django.utils.translation import gettext_lazy as _


class FollowUpStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")  # the case was resolved; the survey goes out on due_at
    SENT = "sent", _("Sent")  # the customer has the link
    REMINDED = "reminded", _("Reminded")  # the one reminder went out
    ANSWERED = "answered", _("Answered")  # see the verdict
    UNANSWERED = "unanswered", _("Unanswered")  # no answer after the reminder
    CANCELLED = "cancelled", _("Cancelled")  # the case was reopened before it went out


WAITING_FOR_ANSWER = (FollowUpStatus.SENT, FollowUpStatus.REMINDED)


class Verdict(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")  # recovered: counts for the recovery rate
    NEUTRAL = "neutral", _("Neither")  # not recovered, not a new failure either
    UNHAPPY = "unhappy", _("Unhappy")  # reopens the case and alerts its owner
