from django.db import models
from django.utils.translation import gettext_lazy as _


class DeliveryStatus(models.TextChoices):
    """Where an email stands (see delivery.py)."""

    QUEUED = "queued", _("Queued")  # written; the worker sends it (again, after a failure that may pass)
    SENDING = "sending", _("Sending")  # claimed by a worker that is handing it to the mail server
    SENT = "sent", _("Sent")  # handed to the mail server
    FAILED = "failed", _("Failed")  # refused, or still failing after the last try; `error` says why
