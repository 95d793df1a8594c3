from django.db import models
from django.utils.translation import gettext_lazy as _


class IncidentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # the cohort and message can still change; nothing sent
    ANNOUNCED = "announced", _("Announced")  # the notice went (or is going) out
    RESOLVED = "resolved", _("Resolved")  # the resolution notice went out


class UpdateKind(models.TextChoices):
    NOTICE = "notice", _("First notice")
    UPDATE = "update", _("Status update")
    RESOLUTION = "resolution", _("Resolution notice")


class NoticeStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")  # claimed by a worker; after a crash it stays here and is never resent
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")  # the mail server refused it: nothing was delivered
    NO_ADDRESS = "no_address", _("No email address")
