from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """Export and erasure of a customer's personal data. It reads and anonymises every app's rows, so it sits above
    the domain apps (like the web pages and the sweeper): no domain app imports it."""

    name = "amends.privacy"
    label = "privacy"
    verbose_name = _("Privacy")
