from django.db import models
from django.utils.translation import gettext_lazy as _

from amends.cases.models import Case
from amends.core.models import Location
from amends.core.text import single_line
from amends.customers.models import Customer, Interaction
from amends.intake.models import Feedback


class Survey(models.Model):
    """A post-contact survey: which scores it asks, when it is sent, and how often a customer may be asked."""

    class Instrument(models.TextChoices):
        SCORES = "scores", _("Scores (CSAT, NPS, CES) and a comment")
        SERVQUAL = "servqual", _("SERVQUAL: 22 statements, expected and experienced, with importance points")

    class Trigger(models.TextChoices):
        MANUAL = "manual", _("Only when invited (API)")  # an integration decides
        INTERACTION = "interaction", _("After each interaction at the location")  # e.g. a stay, a delivery
        CASE_RESOLVED = "case_resolved", _("After a case at the location is resolved")  # how did we handle it?

    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200, validators=[single_line])
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("location"))
    instrument = models.CharField(_("questions"), max_length=16, choices=Instrument.choices, default=Instrument.SCORES)
    asks_csat = models.BooleanField(_("ask CSAT (1-5)"), default=True)
    asks_nps = models.BooleanField(_("ask NPS (0-10)"), default=True)
    asks_ces = models.BooleanField(_("ask CES (1-7)"), default=False)
    asks_repurchase = models.BooleanField(_("ask how likely they are to buy again (1-5)"), default=False)
    asks_text = models.BooleanField(_("ask for a comment"), default=True)
    valid_days = models.PositiveSmallIntegerField(_("link valid for (days)"), default=14)
    reminder_after_days = models.PositiveSmallIntegerField(_("remind after (days)"), default=3)
    min_days_between = models.PositiveSmallIntegerField(_("ask the same customer at most once per (days)"), default=30)
    trigger = models.CharField(_("send"), max_length=16, choices=Trigger.choices, default=Trigger.MANUAL)
    delay_hours = models.PositiveIntegerField(_("hours after the trigger"), default=24)
    during_open_case = models.BooleanField(_("also ask while the customer has an open case"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self) -> str:
        return self.name


class Invitation(models.Model):
    """One customer asked once. The link's token is an HMAC of the id and a random nonce under SECRET_KEY:
    unguessable, never stored, and rebuilt for the reminder from the id alone."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="invitations")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="survey_invitations")
    interaction = models.ForeignKey(Interaction, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    nonce = models.CharField(max_length=32)
    language = models.CharField(_("language"), max_length=8)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    send_after = models.DateTimeField(_("send after"), null=True, blank=True, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    remind_at = models.DateTimeField(_("remind at"), null=True, blank=True, db_index=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    feedback = models.OneToOneField(Feedback, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        indexes = [models.Index(fields=["customer", "-created_at"], name="invitation_customer_recent")]

    def __str__(self) -> str:
        return f"{self.survey} → {self.customer}"


class ServqualAnswer(models.Model):
    """A customer's SERVQUAL answer: 22 expectation and 22 perception scores (1-7) and importance points per
    dimension (adding up to 100). Only complete answers are stored, so the analytics can sum per item."""

    invitation = models.OneToOneField(Invitation, on_delete=models.CASCADE, related_name="servqual")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    expectations = models.JSONField()
    perceptions = models.JSONField()
    importance = models.JSONField()
    language = models.CharField(_("language"), max_length=8)
    answered_at = models.DateTimeField(_("answered at"), db_index=True)

    class Meta:
        ordering = ["-answered_at"]
        verbose_name = _("SERVQUAL answer")
        verbose_name_plural = _("SERVQUAL answers")

    def __str__(self) -> str:
        return f"SERVQUAL {self.location_id} {self.answered_at:%Y-%m-%d}"
