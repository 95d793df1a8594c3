from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    API = "api", _("API")  # posted by an integration
    WEB = "web", _("Web form")  # the public complaint form
    EMAIL = "email", _("Email")  # a message to the support mailbox
    PHONE = "phone", _("Phone")  # logged by an agent after a call
    SOCIAL = "social", _("Social media")  # a post or review from a social or review tool
    SURVEY = "survey", _("Survey")  # a post-contact survey answer
    CHAT = "chat", _("Chat")  # a chat conversation
    IN_PERSON = "in_person", _("In person")  # told to staff on site


class FeedbackKind(models.TextChoices):
    SURVEY = "survey", _("Survey answer")  # scores and perhaps a comment
    COMPLAINT = "complaint", _("Complaint")  # the customer reports a failure
