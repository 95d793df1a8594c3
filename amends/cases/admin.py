from django.contrib import admin

from .models import Case, CaseEvent


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "actor", "data", "created_at")

    def has_add_permission(self, request, obj=None) -> bool:  # the timeline is written by services only
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("id", "summary", "status", "severity", "team", "owner", "due_at")
    list_filter = ("status", "severity", "team")
    search_fields = ("summary", "customer__external_id", "customer__name")
    raw_id_fields = ("customer", "owner")
    readonly_fields = ("created_at", "first_response_at", "resolved_at", "due_at", "alert_sent_at")
    inlines = [CaseEventInline]
