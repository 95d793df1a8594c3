from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TextsenseConfig(AppConfig):
    name = "amends.textsense"
    label = "textsense"
    verbose_name = _("Text sense")
