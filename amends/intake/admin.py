from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .channels.webhook.mapping import MappingError, validate_mapping
from .models import DetectionRule, Feedback, ImportRun, Mailbox, WebhookSource
from .rules import RuleError, validate_conditions
from .verdict import forget_rules


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


class WebhookSourceForm(forms.ModelForm):
    class Meta:
        model = WebhookSource
        fields = ["slug", "name", "secret", "location", "channel", "mapping", "tolerance_seconds", "is_active"]

    def clean_mapping(self) -> dict:
        mapping = self.cleaned_data["mapping"] or {}
        if not isinstance(mapping, dict):
            raise forms.ValidationError(_("The mapping is a JSON object: our field to their dotted path."))
        try:
            validate_mapping(mapping)
        except MappingError as error:
            raise forms.ValidationError(str(error)) from error
        return mapping


@admin.register(WebhookSource)
class WebhookSourceAdmin(admin.ModelAdmin):
    form = WebhookSourceForm
    list_display = ("slug", "name", "location", "channel", "is_active")
    list_filter = ("is_active", "channel")


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ("kind", "file_name", "status", "processed_rows", "created_count", "rejected_count", "started_at")
    list_filter = ("kind", "status")
    readonly_fields = [field.name for field in ImportRun._meta.fields]


class DetectionRuleForm(forms.ModelForm):
    class Meta:
        model = DetectionRule
        fields = ["name", "priority", "conditions", "action", "severity", "category", "team", "tags", "is_active"]

    def clean_conditions(self) -> dict:
        conditions = self.cleaned_data["conditions"] or {}
        if not isinstance(conditions, dict):
            raise forms.ValidationError(_('Conditions are a JSON object, e.g. {"nps_max": 6}.'))
        try:
            validate_conditions(conditions)
        except RuleError as error:
            raise forms.ValidationError(str(error)) from error
        return conditions


@admin.register(DetectionRule)
class DetectionRuleAdmin(admin.ModelAdmin):
    form = DetectionRuleForm
    list_display = ("priority", "name", "action", "severity", "category", "team", "is_active")
    list_display_links = ("name",)
    list_filter = ("action", "is_active")

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        forget_rules()


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = ("name", "username", "host", "folder", "location", "last_polled_at", "is_active")
    list_filter = ("is_active",)
    readonly_fields = ("uidvalidity", "last_uid", "last_polled_at", "last_error")
