from django.contrib import admin

from .models import Invitation, Survey


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "location", "asks_csat", "asks_nps", "asks_ces", "is_active")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("id", "survey", "customer", "language", "sent_at", "reminded_at", "answered_at", "expires_at")
    list_filter = ("survey", "language")
    raw_id_fields = ("customer", "interaction", "case", "feedback")
    readonly_fields = ("nonce",)
