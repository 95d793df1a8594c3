from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    NEW = "new", _("New")  # opened, nobody has taken it yet
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")  # an owner has taken it: "I will fix this for you"
    IN_PROGRESS = "in_progress", _("In progress")  # the fix is under way
    WAITING_ON_CUSTOMER = "waiting_on_customer", _("Waiting on customer")  # the clock pauses
    RESOLVED = "resolved", _("Resolved")  # fixed, with a root-cause category; follow-up pending
    CLOSED = "closed", _("Closed")  # nothing more to do


OPEN_STATUSES = (
    CaseStatus.NEW,
    CaseStatus.ACKNOWLEDGED,
    CaseStatus.IN_PROGRESS,
    CaseStatus.WAITING_ON_CUSTOMER,
)


class Severity(models.TextChoices):
    LOW = "low", _("Low")  # an annoyance
    MEDIUM = "medium", _("Medium")  # a real failure for one customer
    HIGH = "high", _("High")  # a serious failure or a very unhappy customer
    CRITICAL = "critical", _("Critical")  # safety, legal or many customers at once


SEVERITY_ORDER = [Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL]


class EventKind(models.TextChoices):
    OPENED = "opened", _("Case opened")  # data: feedback_id (+ reason "text" when text sense opened it), or proactive
    FEEDBACK_ADDED = "feedback_added", _("Feedback added")  # data: feedback_id
    OWNER_ASSIGNED = "owner_assigned", _("Owner assigned")  # data: owner, previous_owner
    STATUS_CHANGED = "status_changed", _("Status changed")  # data: from, to
    SEVERITY_RAISED = "severity_raised", _("Severity raised")  # data: from, to
    NOTE_ADDED = "note_added", _("Note added")  # data: body
    RESOLVED = "resolved", _("Resolved")  # data: category, resolution
    ALERT_SENT = "alert_sent", _("Alert sent")  # data: recipients


class RecoveryOutcome(models.TextChoices):
    MONETARY_RELIEF = "monetary_relief", _("Monetary relief")  # money back or paid out
    NON_MONETARY_RELIEF = "non_monetary_relief", _("Non-monetary relief")  # fixed, replaced, corrected
    EXPLANATION = "explanation", _("Explanation")  # closed with an explanation only
    CLOSED = "closed", _("Closed without relief")  # closed, nothing given or explained
    UNTIMELY = "untimely", _("Untimely response")  # the answer came too late
    IN_PROGRESS = "in_progress", _("In progress")  # not finished yet
