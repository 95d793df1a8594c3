from django.contrib import admin
from django.db.models import QuerySet

from amends.core.backoffice import ReadOnlyAdmin
from amends.core.models import User

from .models import Notification
from .selectors import notifications_visible_to


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """What Amends told whom, and when; written by the services that notify."""

    list_display = ("subject", "recipient", "kind", "created_at", "read_at", "emailed_at")
    list_filter = ("kind",)
    search_fields = ("subject", "recipient__username")

    def visible_to(self, user: User) -> QuerySet[Notification]:
        return notifications_visible_to(user)
