from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from amends.core.backoffice import ReadOnlyAdmin
from amends.core.models import User
from amends.intake.selectors import feedback_visible_to

from .models import LabelCorrection, TextModel, TextSense


@admin.register(TextSense)
class TextSenseAdmin(ReadOnlyAdmin):
    """The worker's reading of each comment; agents correct it on the case page."""

    list_display = ("feedback", "language", "negative", "alert", "category", "amazement", "analysed_at")
    list_filter = ("language", "alert", "amazement", "category")

    def visible_to(self, user: User) -> QuerySet[TextSense]:
        readings = TextSense.objects.select_related("feedback")
        return readings if user.sees_all_teams else readings.filter(feedback__in=feedback_visible_to(user))


@admin.register(LabelCorrection)
class LabelCorrectionAdmin(ReadOnlyAdmin):
    list_display = ("feedback", "field", "value", "corrected_by", "created_at")
    list_filter = ("field",)

    def visible_to(self, user: User) -> QuerySet[LabelCorrection]:
        corrections = LabelCorrection.objects.select_related("feedback", "corrected_by")
        return corrections if user.sees_all_teams else corrections.filter(feedback__in=feedback_visible_to(user))


@admin.register(TextModel)
class TextModelAdmin(admin.ModelAdmin):
    """The business's models are trained by the worker from agents' corrections: listed here, not made by hand."""

    list_display = ("id", "base_version", "corrections", "created_at")
    exclude = ("state",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: TextModel | None = None) -> bool:
        return False
