from django.db import models
from django.utils.translation import gettext_lazy as _

from amends.cases.enums import Severity
from amends.core.models import Location, Team
from amends.core.text import single_line
from amends.customers.models import Customer, Interaction

from .enums import Channel, FeedbackKind


class Feedback(models.Model):
    """A survey answer or a complaint, as the customer gave it."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="feedback")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="feedback")
    interaction = models.ForeignKey(
        Interaction, on_delete=models.SET_NULL, null=True, blank=True, related_name="feedback"
    )
    case = models.ForeignKey("cases.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="feedback")
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=FeedbackKind.choices)
    csat = models.PositiveSmallIntegerField(_("CSAT"), null=True, blank=True)
    nps = models.PositiveSmallIntegerField(_("NPS"), null=True, blank=True)
    ces = models.PositiveSmallIntegerField(_("CES"), null=True, blank=True)
    repurchase = models.PositiveSmallIntegerField(_("likelihood to buy again"), null=True, blank=True)
    text = models.TextField(_("text"), blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    is_negative = models.BooleanField(_("negative"), default=False)
    # Where it came from outside Amends, so that the same message, row or event is never stored twice.
    source = models.CharField(_("source"), max_length=64, blank=True, help_text=_("For example cfpb, email, webhook."))
    external_ref = models.CharField(_("external reference"), max_length=255, blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True, help_text=_("What the channel adds."))
    occurred_at = models.DateTimeField(_("occurred at"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        indexes = [models.Index(fields=["customer", "-occurred_at"], name="feedback_customer_recent")]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_ref"],
                condition=~models.Q(external_ref=""),
                name="feedback_unique_external_ref",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    def score_labels(self) -> list[str]:
        """The scores given, as people write them: ["NPS 3", "CSAT 2"]."""
        given = ((name, getattr(self, name)) for name in ("nps", "csat", "ces"))
        return [f"{name.upper()} {value}" for name, value in given if value is not None]


class FeedbackAttachment(models.Model):
    """A file the customer sent with their feedback, e.g. a photo of the damaged parcel."""

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="attachments/%Y/%m/")
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.file.name or ""


class ImportRun(models.Model):
    """One import of a file; progress is saved as it goes, so an interrupted import resumes where it stopped."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")  # rows are being read
        DONE = "done", _("Done")  # every row was read
        FAILED = "failed", _("Failed")  # stopped by an error; run the import again to resume

    kind = models.CharField(_("kind"), max_length=32)  # feedback, cfpb, interactions
    file_name = models.CharField(_("file"), max_length=255)
    file_sha256 = models.CharField(max_length=64)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.RUNNING)
    total_rows = models.PositiveIntegerField(null=True, blank=True)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)  # already imported before
    rejected_count = models.PositiveIntegerField(default=0)
    rejected = models.JSONField(default=list, blank=True)  # [{"row", "code", "message", "field"}], capped
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        constraints = [models.UniqueConstraint(fields=["kind", "file_sha256"], name="import_run_unique_file")]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name}"


class WebhookSource(models.Model):
    """A review or social-media tool that posts signed JSON to /api/v1/intake/webhooks/<slug>."""

    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200, validators=[single_line])
    secret = models.CharField(_("signing secret"), max_length=200, help_text=_("Shared with the sender only."))
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("default location")
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.SOCIAL)
    mapping = models.JSONField(_("mapping"), default=dict, blank=True, help_text=_("Our field: their dotted path."))
    tolerance_seconds = models.PositiveIntegerField(_("timestamp tolerance (seconds)"), default=300)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("webhook source")
        verbose_name_plural = _("webhook sources")

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(models.Model):
    """A signature already accepted: the same delivery sent again is a replay and is refused."""

    source = models.ForeignKey(WebhookSource, on_delete=models.CASCADE, related_name="deliveries")
    signature = models.CharField(max_length=64)  # the verified v1 digest
    feedback = models.ForeignKey(Feedback, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "signature"], name="webhook_delivery_once")]

    def __str__(self) -> str:
        return f"{self.source.slug} {self.signature[:12]}"


class Mailbox(models.Model):
    """A support mailbox polled over IMAP; each new message becomes feedback (replies join their case)."""

    name = models.CharField(_("name"), max_length=200, validators=[single_line])
    host = models.CharField(_("IMAP host"), max_length=255)
    port = models.PositiveIntegerField(_("port"), default=993)
    use_ssl = models.BooleanField(_("use TLS"), default=True)
    username = models.CharField(_("username"), max_length=255)
    password_env = models.CharField(
        _("password variable"),
        max_length=100,
        help_text=_("Name of the environment variable holding the password (secrets stay out of the database)."),
    )
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("location"))
    uidvalidity = models.BigIntegerField(null=True, blank=True)  # IMAP resets UIDs when this changes
    last_uid = models.BigIntegerField(default=0)  # the highest UID already read
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return self.name


class DetectionRule(models.Model):
    """An admin's rule: when feedback matches the conditions, do the action. The lowest priority number that
    matches decides; when none matches, the built-in rule applies (NPS <= 6, CSAT <= 2, CES >= 5, any complaint)."""

    class Action(models.TextChoices):
        OPEN_CASE = "open_case", _("Open a case (or join the open one)")  # a failure to recover
        IGNORE = "ignore", _("Do not open a case")  # e.g. test accounts, known non-issues
        TAG = "tag", _("Only tag the feedback")  # mark it, and let the other rules decide

    name = models.CharField(_("name"), max_length=200, validators=[single_line])
    priority = models.PositiveIntegerField(_("priority"), default=100, help_text=_("Lower numbers are checked first."))
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    action = models.CharField(_("action"), max_length=16, choices=Action.choices, default=Action.OPEN_CASE)
    severity = models.CharField(
        _("severity"),
        max_length=12,
        blank=True,
        choices=Severity.choices,
        help_text=_("Empty: judged from the scores and the segment."),
    )
    category = models.CharField(_("category"), max_length=100, blank=True)
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("team")
    )
    tags = models.JSONField(_("tags"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["priority", "id"]
        verbose_name = _("detection rule")
        verbose_name_plural = _("detection rules")

    def __str__(self) -> str:
        return self.name
