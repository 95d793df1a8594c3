from django.conf import settings
from django.db import models
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from amends.core.enums import Language
from amends.core.models import BusinessCalendar, Location, Team
from amends.core.text import single_line
from amends.customers.models import Customer

from .enums import (
    OPEN_STATUSES,
    STEPS_BEFORE_RESOLVING,
    CaseStatus,
    EscalationLevel,
    EventKind,
    MessageStatus,
    PlaybookStep,
    Severity,
    SlaTarget,
)
from .taxonomy import FAMILIES, STAGES


def default_pause_statuses() -> list[str]:
    return [CaseStatus.WAITING_ON_CUSTOMER.value]


class SlaPolicy(models.Model):
    """Response and resolution targets in business time; the lowest priority number whose conditions match wins.

    `conditions` {"severity", "segment", "channel", "category"}: each a value or a list of values, absent = any.
    """

    name = models.CharField(_("name"), max_length=100, unique=True, validators=[single_line])
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.PROTECT, related_name="sla_policies")
    priority = models.PositiveIntegerField(_("priority"), default=100, help_text=_("Lower numbers are tried first."))
    first_response_minutes = models.PositiveIntegerField(_("first response (minutes)"), default=60)
    next_response_minutes = models.PositiveIntegerField(_("next response (minutes)"), null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(_("resolution (minutes)"), default=2880)
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    # xgettext:no-python-format
    warning_percent = models.PositiveSmallIntegerField(_("warn at (% of the target)"), default=75)
    requeue_after_minutes = models.PositiveIntegerField(
        _("back to the team queue after a breach (minutes)"), default=60
    )
    pause_statuses = models.JSONField(_("statuses that stop the clock"), default=default_pause_statuses, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["priority", "id"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        return self.name


OPEN = models.Q(status__in=OPEN_STATUSES)


class Case(models.Model):
    """A recovery case: one failure of one customer, with one owner and an SLA clock."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="cases", verbose_name=_("customer"))
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="cases", verbose_name=_("location"))
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases", verbose_name=_("team")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_cases",
        verbose_name=_("owner"),
    )
    status = models.CharField(_("status"), max_length=24, choices=CaseStatus.choices, default=CaseStatus.NEW)
    severity = models.CharField(_("severity"), max_length=12, choices=Severity.choices, default=Severity.MEDIUM)
    category = models.CharField(_("category"), max_length=100, blank=True)
    summary = models.CharField(_("summary"), max_length=200, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    # How the recovery ended for the customer, e.g. monetary_relief (see RecoveryOutcome).
    outcome = models.CharField(_("outcome"), max_length=32, blank=True)
    outcome_disputed = models.BooleanField(_("customer disputed the outcome"), null=True, blank=True)
    sla_met = models.BooleanField(_("SLA met"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    first_response_due_at = models.DateTimeField(_("first response due"))
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    # The next SLA deadline while the case is open (first response, then resolution); null once resolved.
    # Denormalised so that inboxes sort on an index.
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    alert_sent_at = models.DateTimeField(null=True, blank=True)
    sla_policy = models.ForeignKey(
        SlaPolicy, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("SLA policy")
    )
    next_response_due_at = models.DateTimeField(_("next response due"), null=True, blank=True)
    # Since when the customer's latest message waits for an answer (the next-response target); null when answered.
    customer_waiting_since = models.DateTimeField(null=True, blank=True)
    # The clock's stops: [[start, end], ...] in ISO 8601, the last end null while it is stopped.
    sla_pauses = models.JSONField(default=list, blank=True)
    sla_target = models.CharField(max_length=16, choices=SlaTarget.choices, blank=True)  # what due_at is for
    # Escalation: the level reached for the current target, and when the next level is due (indexed for sweeps).
    escalation_level = models.PositiveSmallIntegerField(
        _("escalation"), choices=EscalationLevel.choices, default=EscalationLevel.NONE
    )
    escalation_at = models.DateTimeField(null=True, blank=True, db_index=True)
    first_response_business_minutes = models.PositiveIntegerField(
        _("business minutes to first response"), null=True, blank=True
    )
    resolution_business_minutes = models.PositiveIntegerField(
        _("business minutes to resolution"), null=True, blank=True
    )
    transfers = models.PositiveIntegerField(_("transfers"), default=0)
    contacts = models.PositiveIntegerField(_("customer contacts"), default=0)
    reopens = models.PositiveIntegerField(_("reopens"), default=0)
    # Until when a customer's reply reopens this case rather than opening a new one; closed after it (indexed).
    reopen_until = models.DateTimeField(_("a reply reopens it until"), null=True, blank=True, db_index=True)
    follows = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="followed_by",
        verbose_name=_("follows"),
        help_text=_("The earlier case this one continues."),
    )
    playbook = models.ForeignKey(
        "Playbook", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("playbook")
    )
    # The playbook steps done: {"apologise": {"by": "alice", "at": "2026-..."}}.
    checklist = models.JSONField(default=dict, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged", verbose_name=_("merged into")
    )
    related = models.ManyToManyField("self", blank=True, verbose_name=_("related cases"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("recovery case")
        verbose_name_plural = _("recovery cases")
        indexes = [
            models.Index(fields=["owner", "due_at", "id"], name="case_owner_due"),
            models.Index(fields=["team", "due_at", "id"], name="case_team_due"),
            models.Index(fields=["status", "due_at", "id"], name="case_status_due"),
            models.Index(fields=["customer", "status"], name="case_customer_status"),
            # Inboxes read open cases in due order: partial indexes hold only the open tenth of the table.
            models.Index(fields=["team", "due_at", "id"], name="case_open_team_due", condition=OPEN),
            models.Index(fields=["owner", "due_at", "id"], name="case_open_owner_due", condition=OPEN),
            models.Index(fields=["due_at", "id"], name="case_open_due", condition=OPEN),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.summary}"

    @property
    def clock_stopped(self) -> bool:
        """The SLA clock is stopped now (the last pause has no end)."""
        return bool(self.sla_pauses) and self.sla_pauses[-1][1] is None


class CaseEvent(models.Model):
    """One entry of a case's timeline; `kind` says what happened and which keys `data` holds."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=32, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        indexes = [models.Index(fields=["case", "created_at"], name="case_event_timeline")]

    def __str__(self) -> str:
        return gettext("%(event)s on case #%(id)s") % {"event": self.get_kind_display(), "id": self.case_id}


def default_required_steps() -> list[str]:
    return [step.value for step in STEPS_BEFORE_RESOLVING]


class Category(models.Model):
    """A root cause in the business's taxonomy: where on the customer journey it happens and which cause family it
    belongs to. Cases keep the key, so a key is never renamed; a category is retired instead of deleted."""

    key = models.SlugField(_("key"), max_length=100, unique=True, help_text=_("Stored on cases; cannot change."))
    name = models.CharField(_("name (English)"), max_length=100, validators=[single_line])
    name_nl = models.CharField(_("name (Dutch)"), max_length=100, blank=True, validators=[single_line])
    name_de = models.CharField(_("name (German)"), max_length=100, blank=True, validators=[single_line])
    name_it = models.CharField(_("name (Italian)"), max_length=100, blank=True, validators=[single_line])
    name_fr = models.CharField(_("name (French)"), max_length=100, blank=True, validators=[single_line])
    name_es = models.CharField(_("name (Spanish)"), max_length=100, blank=True, validators=[single_line])
    stage = models.CharField(_("journey stage"), max_length=20, choices=list(STAGES.items()))
    family = models.CharField(_("cause family"), max_length=20, choices=list(FAMILIES.items()))
    is_active = models.BooleanField(
        _("offered"), default=True, help_text=_("Offered when resolving a case. Old cases keep a retired category.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=100)

    class Meta:
        ordering = ["position", "key"]
        verbose_name = _("root-cause category")
        verbose_name_plural = _("root-cause categories")

    def __str__(self) -> str:
        return self.label()

    def label(self, language: str | None = None) -> str:
        """The name in this language (the active one by default), else the English name."""
        language = (language or get_language() or "en")[:2]
        return getattr(self, f"name_{language}", "") or self.name


class Playbook(models.Model):
    """How to recover one kind of failure: the five steps as a checklist, with guidance on fitting solutions.

    The most specific active playbook applies: matching category and severity before category only, before
    severity only, before the general one (both empty).
    """

    name = models.CharField(_("name"), max_length=100, unique=True, validators=[single_line])
    category = models.CharField(_("category"), max_length=100, blank=True, help_text=_("Empty: any category."))
    severity = models.CharField(
        _("severity"), max_length=12, choices=Severity.choices, blank=True, help_text=_("Empty: any severity.")
    )
    guidance = models.TextField(_("guidance"), blank=True, help_text=_("Which solutions and gestures fit."))
    step_guidance = models.JSONField(_("guidance per step"), default=dict, blank=True)  # {"apologise": "..."}
    required_steps = models.JSONField(_("steps required before resolving"), default=default_required_steps)
    suggested_gestures = models.ManyToManyField(
        "compensation.CatalogueItem", blank=True, related_name="+", verbose_name=_("suggested gestures")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("playbook")
        verbose_name_plural = _("playbooks")

    def __str__(self) -> str:
        return self.name


class MessageTemplate(models.Model):
    """A business's own wording for a playbook step in one language; without one, Amends' own wording is used.

    Variables: {customer_name}, {location}, {order}, {agent}, {case_id}.
    """

    step = models.CharField(_("playbook step"), max_length=16, choices=PlaybookStep.choices)
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    subject = models.CharField(_("subject"), max_length=200, validators=[single_line])
    body = models.TextField(_("body"))

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [models.UniqueConstraint(fields=["step", "language"], name="message_template_unique")]

    def __str__(self) -> str:
        return f"{self.get_step_display()} ({self.language})"


class CaseMessage(models.Model):
    """A message to the customer from the case, sent by email; its Message-ID threads the answer back."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    to_email = models.EmailField(_("to"))
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    template = models.CharField(_("template"), max_length=16, choices=PlaybookStep.choices, blank=True)
    subject = models.CharField(_("subject"), max_length=200, validators=[single_line])
    body = models.TextField(_("body"))
    message_id = models.CharField(max_length=255, unique=True)
    status = models.CharField(_("status"), max_length=8, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("tries"), default=0)
    error = models.CharField(_("why not sent"), max_length=300, blank=True)  # the mail server's words
    created_at = models.DateTimeField(_("written at"))
    attempted_at = models.DateTimeField(_("last tried at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message to the customer")
        verbose_name_plural = _("messages to customers")

    def __str__(self) -> str:
        return self.subject


class SavedView(models.Model):
    """An agent's own inbox filter, one click away."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    name = models.CharField(_("name"), max_length=60, validators=[single_line])
    query = models.CharField(_("filters"), max_length=500)  # the inbox's query string, e.g. view=team&severity=high
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_view_unique_name")]

    def __str__(self) -> str:
        return self.name
