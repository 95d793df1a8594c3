from django.db import models
from django.utils.translation import gettext_lazy as _

LANGUAGE_CODES = ("en", "nl", "de", "it", "fr", "es", "other")


class CorrectedField(models.TextChoices):
    NEGATIVE = "negative", _("Negative")  # value "true" or "false": does the text report a failure?
    CATEGORY = "category", _("Category")  # value: a category key of the business's taxonomy
    LANGUAGE = "language", _("Language")  # value: en, nl, de, it, fr, es or other
