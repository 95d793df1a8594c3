from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .enums import ErasureVia


class ErasureRecord(models.Model):
    """The audit trail of one erasure: who, when, why and how many rows were anonymised — never the erased data."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("customer"),
    )  # fmt: skip
    pseudonym = models.CharField(_("customer (pseudonym)"), max_length=128, db_index=True)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("erased by"), help_text=_("Empty: the retention setting erased it."),
    )  # fmt: skip
    via = models.CharField(_("via"), max_length=12, choices=ErasureVia.choices)
    reason = models.CharField(_("reason"), max_length=500)
    counts = models.JSONField(_("rows anonymised"), default=dict, blank=True)  # {"feedback": 3, "attachments": 1}
    erased_at = models.DateTimeField(_("erased at"), db_index=True)

    class Meta:
        ordering = ["-erased_at", "-id"]
        verbose_name = _("erasure")
        verbose_name_plural = _("erasures")

    def __str__(self) -> str:
        return f"{self.pseudonym} ({self.erased_at:%Y-%m-%d})"
