from django.contrib import admin
from django.db.models import QuerySet

from amends.core.backoffice import ReadOnlyAdmin
from amends.core.models import User

from .models import CaseTask, FollowUp, FollowUpDelay
from .selectors import follow_ups_visible_to, tasks_visible_to


@admin.register(FollowUpDelay)
class FollowUpDelayAdmin(admin.ModelAdmin):
    list_display = ("category", "days")


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdmin):
    """Answers are the customer's words: readable, never edited here."""

    list_display = ("case", "status", "verdict", "due_at", "answered_at", "handling", "nps")
    list_filter = ("status", "verdict")

    def visible_to(self, user: User) -> QuerySet[FollowUp]:
        return follow_ups_visible_to(user).select_related("case")


@admin.register(CaseTask)
class CaseTaskAdmin(ReadOnlyAdmin):
    """Call-backs are scheduled and ticked off on the case page, which writes them on the timeline."""

    list_display = ("case", "owner", "due_at", "note", "done_at")
    list_filter = ("done_at",)

    def visible_to(self, user: User) -> QuerySet[CaseTask]:
        return tasks_visible_to(user).select_related("case", "owner")
