from django.db import models
from django.utils.translation import gettext_lazy as _


class ErasureVia(models.TextChoices):
    API = "api", _("API")  # POST /api/v1/customers/{external_id}/erase
    PAGE = "page", _("Customer page")  # the admin's button on the customer page
    COMMAND = "command", _("Command line")  # amends customer_erase
    RETENTION = "retention", _("Retention")  # AMENDS_RETENTION_MONTHS without activity


RETENTION_REASON = "retention"
