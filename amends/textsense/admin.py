from django.contrib import admin

from .models import LabelCorrection, TextModel, TextSense


@admin.register(TextSense)
class TextSenseAdmin(admin.ModelAdmin):
    list_display = ("feedback", "language", "negative", "alert", "category", "amazement", "analysed_at")
    list_filter = ("language", "alert", "amazement", "category")
    raw_id_fields = ("feedback",)


@admin.register(LabelCorrection)
class LabelCorrectionAdmin(admin.ModelAdmin):
    list_display = ("feedback", "field", "value", "corrected_by", "created_at")
    list_filter = ("field",)
    raw_id_fields = ("feedback", "corrected_by")


@admin.register(TextModel)
class TextModelAdmin(admin.ModelAdmin):
    list_display = ("id", "base_version", "corrections", "created_at")
    exclude = ("state",)
