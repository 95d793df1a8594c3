from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from amends.intake.models import Feedback

from .enums import CorrectedField


class TextSense(models.Model):
    """What the text model read in one feedback's text; an agent's correction overwrites the field it corrects."""

    feedback = models.OneToOneField(Feedback, on_delete=models.CASCADE, related_name="text_sense")
    language = models.CharField(_("language"), max_length=8)
    negative = models.FloatField(_("probability of a negative experience"))
    alert = models.BooleanField(_("alert"), default=False)
    category = models.CharField(_("suggested category"), max_length=100, blank=True)
    amazement = models.BooleanField(_("amazement"), default=False)
    model_version = models.CharField(_("model version"), max_length=120)
    analysed_at = models.DateTimeField(_("analysed at"))

    class Meta:
        verbose_name = _("text analysis")
        verbose_name_plural = _("text analyses")
        indexes = [models.Index(fields=["alert", "-analysed_at"], name="textsense_alerts")]

    def __str__(self) -> str:
        return f"{self.language} {self.negative:.2f} #{self.feedback_id}"


class LabelCorrection(models.Model):
    """An agent said the model was wrong about one feedback; the business's model learns from it."""

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="label_corrections")
    field = models.CharField(_("field"), max_length=16, choices=CorrectedField.choices)
    value = models.CharField(_("value"), max_length=100)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("label correction")
        verbose_name_plural = _("label corrections")

    def __str__(self) -> str:
        return f"{self.field}={self.value} #{self.feedback_id}"


class TextModel(models.Model):
    """The business's own model: the shipped one retrained with its agents' corrections. The newest one is used."""

    state = models.BinaryField()  # numpy .npz, see analyser.business_state
    base_version = models.CharField(max_length=120)  # the shipped model it was trained on top of
    corrections = models.PositiveIntegerField(default=0)  # how many corrections went in
    last_correction_id = models.BigIntegerField(default=0)  # the newest correction it has seen
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("business text model")
        verbose_name_plural = _("business text models")

    def __str__(self) -> str:
        return f"b{self.pk} ({self.corrections})"

    @property
    def version(self) -> str:
        return f"{self.base_version}/b{self.pk}"
