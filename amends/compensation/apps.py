from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompensationConfig(AppConfig):
    name = "amends.compensation"
    label = "compensation"
    verbose_name = _("Compensation")
