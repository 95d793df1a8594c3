from typing import Any

from django import forms
from django.contrib import admin
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .models import Case, CaseEvent, CaseMessage, Category, MessageTemplate, Playbook, SlaPolicy
from .selectors import categories_forget, category_choices, category_label, playbooks_forget, sla_policies_forget
from .services import PAUSABLE


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


class SlaPolicyForm(forms.ModelForm):
    class Meta:
        model = SlaPolicy
        fields = (
            "name",
            "calendar",
            "priority",
            "first_response_minutes",
            "next_response_minutes",
            "resolution_minutes",
            "conditions",
            "warning_percent",
            "requeue_after_minutes",
            "pause_statuses",
            "is_active",
        )

    def clean_pause_statuses(self) -> list[str]:
        statuses = self.cleaned_data.get("pause_statuses") or []
        if not isinstance(statuses, list) or any(status not in PAUSABLE for status in statuses):
            raise forms.ValidationError(_("Only acknowledged, in progress and waiting on customer can stop the clock."))
        return statuses

    def clean_conditions(self) -> dict:
        conditions = self.cleaned_data.get("conditions") or {}
        unknown = (
            set(conditions) - {"severity", "segment", "channel", "category"} if isinstance(conditions, dict) else {""}
        )
        if unknown:
            raise forms.ValidationError(_("Conditions are severity, segment, channel and category."))
        return conditions


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    form = SlaPolicyForm
    list_display = ("name", "priority", "calendar", "first_response_minutes", "resolution_minutes", "is_active")
    list_editable = ("priority", "is_active")
    ordering = ("priority", "id")

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        sla_policies_forget()


class PlaybookForm(forms.ModelForm):
    """The category is chosen from the taxonomy, so that a playbook cannot wait for a category no case gets."""

    category = forms.ChoiceField(
        label=capfirst(Playbook._meta.get_field("category").verbose_name), required=False,
        help_text=Playbook._meta.get_field("category").help_text,
    )  # fmt: skip

    class Meta:
        model = Playbook
        fields = ("name", "category", "severity", "guidance", "step_guidance", "required_steps", "suggested_gestures",
                  "is_active")  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("Any category")), *category_choices(self.instance.category)]
        self.fields["category"].choices = choices  # type: ignore[attr-defined]


@admin.register(Playbook)
class PlaybookAdmin(admin.ModelAdmin):
    form = PlaybookForm
    list_display = ("name", "category_name", "severity", "is_active")
    list_filter = ("severity", "is_active")
    filter_horizontal = ("suggested_gestures",)

    @admin.display(description=_("category"), ordering="category")
    def category_name(self, obj: Playbook) -> str:
        return category_label(obj.category) if obj.category else str(_("Any category"))

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        playbooks_forget()

    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        playbooks_forget()

    def delete_queryset(self, request, queryset) -> None:
        super().delete_queryset(request, queryset)
        playbooks_forget()


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """The root-cause taxonomy: admins name each category in six languages and place it on the customer journey
    and among the cause families; categories an integration sent come in unoffered, to be mapped."""

    list_display = ("key", "name", "stage", "family", "is_active", "position")
    list_editable = ("stage", "family", "is_active", "position")
    list_filter = ("is_active", "stage", "family")
    search_fields = ("key", "name")
    fieldsets = (
        (None, {"fields": ("key", "stage", "family", "is_active", "position")}),
        (_("Names"), {"fields": ("name", "name_nl", "name_de", "name_it", "name_fr", "name_es")}),
    )

    def get_readonly_fields(self, request, obj=None) -> tuple[str, ...]:
        return ("key",) if obj is not None else ()  # cases keep the key

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # retire it instead: old cases and their analyses keep it

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        categories_forget()


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ("step", "language", "subject")
    list_filter = ("step", "language")


@admin.register(CaseMessage)
class CaseMessageAdmin(admin.ModelAdmin):
    list_display = ("subject", "case", "to_email", "language", "status", "created_at", "sent_at")
    list_filter = ("status", "language")
    readonly_fields = [field.name for field in CaseMessage._meta.fields]
