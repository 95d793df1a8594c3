from django.contrib import admin

from .models import Incident


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ("title", "status", "location", "announced_at", "resolved_at")
    list_filter = ("status",)
    readonly_fields = ("status", "announced_at", "resolved_at", "created_by")
