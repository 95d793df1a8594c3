from django.db import models
from django.utils.translation import gettext_lazy as _

from amends.notifications.enums import DeliveryStatus


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
    TRANSFERRED = "transferred", _("Transferred")  # data: from_owner, to_owner, from_team, to_team, reason
    REOPENED = "reopened", _("Reopened")  # data: reason
    CLOSED = "closed", _("Closed")  # data: {} (the reopen window ended)
    LINKED = "linked", _("Linked")  # data: case_id, relation (follows, followed_by, related)
    MERGED = "merged", _("Merged")  # data: into (on the duplicate) or from (on the case it joined)
    CUSTOMER_REPLIED = "customer_replied", _("Customer replied")  # data: feedback_id
    SLA_PAUSED = "sla_paused", _("SLA clock stopped")  # data: status
    SLA_RESUMED = "sla_resumed", _("SLA clock running again")  # data: status, due_at
    SLA_WARNING = "sla_warning", _("SLA warning")  # data: target, due_at, notified
    SLA_BREACHED = "sla_breached", _("SLA breached")  # data: target, due_at, notified
    REQUEUED = "requeued", _("Back to the team queue")  # data: previous_owner, target
    PLAYBOOK_STEP = "playbook_step", _("Playbook step")  # data: step, done
    OVERRIDE = "override", _("Supervisor override")  # data: open_steps, reason
    MESSAGE_SENT = "message_sent", _("Message sent")  # data: message_id, template, language, subject
    MESSAGE_FAILED = "message_failed", _("Message not sent")  # data: message_id, subject, reason (as the server said)
    OFFER_MADE = "offer_made", _("Gesture offered")  # data: offer_id, status, currency, alternatives [{type, amount}]
    APPROVAL_REQUESTED = "approval_requested", _("Approval requested")  # data: offer_id, approver_role, exceeded
    OFFER_DECIDED = "offer_decided", _("Offer decided")  # data: offer_id, decision, amount, comment
    GESTURE_CHOSEN = "gesture_chosen", _("Gesture chosen")  # data: offer_id, ledger_id, type, amount, fulfilment
    GESTURE_CORRECTED = "gesture_corrected", _("Gesture corrected")  # data: ledger_id, corrects, amount, note
    OFFER_EXPIRED = "offer_expired", _("Offer expired")  # data: offer_id (the customer did not choose in time)
    INCIDENT_LINKED = "incident_linked", _("Part of an incident")  # data: incident_id, title
    FOLLOW_UP_SCHEDULED = "follow_up_scheduled", _("Follow-up scheduled")  # data: follow_up_id, due_at
    FOLLOW_UP_SENT = "follow_up_sent", _("Follow-up sent")  # data: follow_up_id, reminder (bool), to
    FOLLOW_UP_ANSWERED = "follow_up_answered", _("Follow-up answered")  # data: follow_up_id, verdict, scores
    FOLLOW_UP_UNANSWERED = "follow_up_unanswered", _("Follow-up unanswered")  # data: follow_up_id
    TASK_SCHEDULED = "task_scheduled", _("Follow-up task scheduled")  # data: task_id, owner, due_at, note
    TASK_DONE = "task_done", _("Follow-up task done")  # data: task_id, note
    PERSONAL_DATA_ERASED = "personal_data_erased", _("Personal data erased")  # data: erasure_id (see privacy)


class RecoveryOutcome(models.TextChoices):
    MONETARY_RELIEF = "monetary_relief", _("Monetary relief")  # money back or paid out
    NON_MONETARY_RELIEF = "non_monetary_relief", _("Non-monetary relief")  # fixed, replaced, corrected
    EXPLANATION = "explanation", _("Explanation")  # closed with an explanation only
    CLOSED = "closed", _("Closed without relief")  # closed, nothing given or explained
    UNTIMELY = "untimely", _("Untimely response")  # the answer came too late
    IN_PROGRESS = "in_progress", _("In progress")  # not finished yet


class SlaTarget(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")  # nobody has answered the customer yet
    NEXT_RESPONSE = "next_response", _("Next response")  # the customer wrote again and waits for an answer
    RESOLUTION = "resolution", _("Resolution")  # answered; the fix is due


class EscalationLevel(models.IntegerChoices):
    NONE = 0, _("On time")  # the current target is not near its due time
    WARNED = 1, _("Warned")  # a share of the target has passed: the owner (or the team) was told
    BREACHED = 2, _("Breached")  # the target passed: the team's supervisors were told
    REQUEUED = 3, _("Requeued")  # still breached later: back to the team queue, without an owner


class PlaybookStep(models.TextChoices):
    ACKNOWLEDGE = "acknowledge", _("Acknowledge")  # tell the customer we heard them and who owns it
    APOLOGISE = "apologise", _("Apologise")  # a sincere apology, without excuses
    CONFIRM = "confirm", _("Confirm the problem")  # check we understood what went wrong, without asking twice
    FIX = "fix", _("Fix it")  # solve it, with a gesture that fits the failure
    FOLLOW_UP = "follow_up", _("Follow up")  # check later that it stayed fixed


# Steps that must be done before a case can be resolved (following up comes after the resolution).
STEPS_BEFORE_RESOLVING = (PlaybookStep.ACKNOWLEDGE, PlaybookStep.APOLOGISE, PlaybookStep.CONFIRM, PlaybookStep.FIX)


# A message to the customer is sent like every email: queued, sending, sent, or failed with the reason.
MessageStatus = DeliveryStatus
