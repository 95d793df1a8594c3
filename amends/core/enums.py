from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """A user's role is the Django group of the same name."""

    AGENT = "agent", _("Agent")  # handles cases of their teams
    SUPERVISOR = "supervisor", _("Supervisor")  # oversees teams, higher spending limit, manages touchpoints
    ADMIN = "admin", _("Admin")  # configures the whole business, sees every team
    # A service account (survey tool, PMS, shop system): intake at every location and customers' contact details;
    # no teams, no pages, sees no case.
    INTEGRATION = "integration", _("Integration")


# The roles people hold: the ones with spending authority (an integration account gives no gestures).
STAFF_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)


class Language(models.TextChoices):
    EN = "en", _("English")
    NL = "nl", _("Dutch")
    DE = "de", _("German")
    IT = "it", _("Italian")
    FR = "fr", _("French")
    ES = "es", _("Spanish")
