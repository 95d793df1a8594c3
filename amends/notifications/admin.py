from django.contrib import admin
from django.db.models import QuerySet

from amends.core.backoffice import ReadOnlyAdmin
from amends.core.models import User

from .models import Notification, OutgoingEmail
from .selectors import notifications_visible_to


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """What Amends told whom, and when; written by the services that notify."""

    list_display = ("subject", "recipient", "kind", "created_at", "read_at", "emailed_at")
    list_filter = ("kind",)
    search_fields = ("subject", "recipient__username")

    def visible_to(self, user: User) -> QuerySet[Notification]:
        return notifications_visible_to(user)


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(ReadOnlyAdmin):
    """The outbox, to see what did not go out and why; the worker writes it, nobody edits it. It names customers
    of every team, so only those who see every team see it."""

    list_display = ("created_at", "to_email", "subject", "kind", "status", "attempts", "error", "sent_at")
    list_filter = ("status", "kind")
    search_fields = ("to_email", "subject")

    def visible_to(self, user: User) -> QuerySet[OutgoingEmail]:
        return OutgoingEmail.objects.all() if user.sees_all_teams else OutgoingEmail.objects.none()
