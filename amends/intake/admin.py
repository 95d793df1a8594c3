from django.contrib import admin

from .models import Feedback


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "channel",
        "customer",
        "location",
        "nps",
        "csat",
        "ces",
        "is_negative",
        "received_at",
    )
    list_filter = ("kind", "channel", "is_negative", "language", "location")
    search_fields = ("text", "customer__external_id")
    raw_id_fields = ("customer", "interaction", "case")
