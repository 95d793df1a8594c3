from django.contrib import admin
from django.http import HttpRequest

from .models import CaseTask, FollowUp, FollowUpDelay


@admin.register(FollowUpDelay)
class FollowUpDelayAdmin(admin.ModelAdmin):
    list_display = ("category", "days")


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    """Answers are the customer's words: readable, never edited here."""

    list_display = ("case", "status", "verdict", "due_at", "answered_at", "handling", "nps")
    list_filter = ("status", "verdict")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(CaseTask)
class CaseTaskAdmin(admin.ModelAdmin):
    list_display = ("case", "owner", "due_at", "note", "done_at")
    list_filter = ("done_at",)
