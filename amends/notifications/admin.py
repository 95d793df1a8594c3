from django.contrib import admin

from .models import Notification, OutgoingEmail


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("subject", "recipient", "kind", "created_at", "read_at", "emailed_at")
    list_filter = ("kind",)
    search_fields = ("subject", "recipient__username")


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    """The outbox, to see what did not go out and why; the worker writes it, nobody edits it."""

    list_display = ("created_at", "to_email", "subject", "kind", "status", "attempts", "error", "sent_at")
    list_filter = ("status", "kind")
    search_fields = ("to_email", "subject")
    readonly_fields = [field.name for field in OutgoingEmail._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
