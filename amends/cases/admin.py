from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from amends.core.backoffice import ReadOnlyAdmin, ScopedAdmin, ScopedRelatedFilter
from amends.core.errors import DomainError
from amends.core.models import User
from amends.core.selectors import team_by_slug, user_by_username

from . import lifecycle, sla
from .enums import CaseStatus, PlaybookStep
from .models import Case, CaseEvent, CaseMessage, Category, MessageTemplate, Playbook, SlaPolicy
from .selectors import (
    assignable_people,
    assignable_teams,
    case_get_for_user,
    case_messages_visible_to,
    cases_visible_to,
    categories_forget,
    category_choices,
    category_label,
    playbooks_forget,
    sla_policies_forget,
)
from .services import MAX_REASON_LENGTH, PAUSABLE, case_assign, case_change_status


class CaseEventInline(admin.TabularInline):
    """The timeline, as the services wrote it."""

    model = CaseEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "kind", "actor", "details")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:  # the timeline is written by services only
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("details"))
    def details(self, event: CaseEvent) -> str:
        return "; ".join(f"{key}: {value}" for key, value in event.data.items())


def _when(moment: Any) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


class CaseActionForm(forms.Form):
    """What the back office may do to a case: what its page does, through the same services."""

    status = forms.ChoiceField(label=_("New status"), required=False)
    owner = forms.ChoiceField(label=_("New owner"), required=False)
    team = forms.ChoiceField(label=_("New team"), required=False)
    reason = forms.CharField(
        label=_("Reason"), max_length=MAX_REASON_LENGTH, required=False,
        help_text=_("Needed to transfer a case that has an owner, or to give it to another team."),
    )  # fmt: skip

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        moves = sorted(lifecycle.MOVES.get(case.status, ()))
        self.fields["status"].choices = [("", "—"), *((move, CaseStatus(move).label) for move in moves)]  # type: ignore[attr-defined]
        self.fields["owner"].choices = [("", "—"), *assignable_people(case)]  # type: ignore[attr-defined]
        self.fields["team"].choices = [("", "—"), *assignable_teams()]  # type: ignore[attr-defined]

    def clean(self) -> dict:
        data = super().clean() or {}
        if not (data.get("status") or data.get("owner") or data.get("team")):
            raise forms.ValidationError(_("Choose a new status, owner or team."))
        return data


@admin.register(Case)
class CaseAdmin(ScopedAdmin):
    """A case's record, read-only; its status, owner and team change through the services (the action page, or the
    case's own page), so that every change is on its timeline."""

    list_display = ("id", "summary", "status", "severity", "team", "owner", "due_at")
    list_filter = ("status", "severity", ("team", ScopedRelatedFilter))
    search_fields = ("summary", "customer__external_id", "customer__name")
    # Every field of a case is governed by a service (cases open from intake; owner, team and status move through
    # assign and status changes that write the timeline; the SLA fields follow the clock): none is edited here.
    fieldsets = (
        (None, {"fields": ("summary", "case_page", "customer", "location", "team", "owner", "status", "severity",
                           "category", "playbook", "steps_done")}),
        (_("SLA"), {"fields": ("sla_policy", "created_at", "first_response_due_at", "first_response_at",
                               "next_response_due_at", "resolution_due_at", "resolved_at", "due_at", "clock",
                               "escalation_level", "sla_met", "first_response_business_minutes",
                               "resolution_business_minutes")}),
        (_("Recovery"), {"fields": ("resolution", "outcome", "outcome_disputed", "transfers", "contacts", "reopens",
                                    "reopen_until", "follows", "merged_into", "related")}),
    )  # fmt: skip
    inlines = [CaseEventInline]
    change_form_template = "admin/cases/case/change_form.html"

    def visible_to(self, user: User) -> QuerySet[Case]:
        return cases_visible_to(user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a case opens from intake: log the complaint under Feedback, or on the API

    def has_change_permission(self, request: HttpRequest, obj: Case | None = None) -> bool:
        return False  # every field is governed by a service: see may_act

    def has_delete_permission(self, request: HttpRequest, obj: Case | None = None) -> bool:
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Case | None = None) -> list[str]:
        return flatten_fieldsets(self.get_fieldsets(request, obj))

    def may_act(self, request: HttpRequest) -> bool:
        """The role's permission to change cases, used through the services only."""
        return admin.ModelAdmin.has_change_permission(self, request)

    @admin.display(description=_("case page"))
    def case_page(self, case: Case) -> str:
        return format_html('<a href="{}">{}</a>', reverse("web:case", args=[case.pk]), _("Open the case page"))

    @admin.display(description=_("SLA clock stops"))
    def clock(self, case: Case) -> str:
        pauses = sla.pauses_from_json(case.sla_pauses)
        if not pauses:
            return str(_("The clock never stopped."))
        return "; ".join(
            str(_("%(start)s to %(end)s") % {"start": _when(start), "end": _when(end)})
            if end
            else str(_("stopped since %(start)s") % {"start": _when(start)})
            for start, end in pauses
        )

    @admin.display(description=_("playbook steps done"))
    def steps_done(self, case: Case) -> str:
        done = [
            f"{PlaybookStep(step).label if step in PlaybookStep.values else step} ({mark.get('by', '')})"
            for step, mark in case.checklist.items()
        ]
        return ", ".join(done) or "—"

    def get_urls(self) -> list:
        act = path("<int:case_id>/act/", self.admin_site.admin_view(self.act_view), name="cases_case_act")
        return [act, *super().get_urls()]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        extra = {**(extra_context or {}), "may_act": self.may_act(request)}
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def act_view(self, request: HttpRequest, case_id: int) -> HttpResponse:
        """Change a case's status, owner or team through its services; errors show next to their fields."""
        if not self.may_act(request):
            raise PermissionDenied
        user: User = request.user  # type: ignore[assignment]
        case = case_get_for_user(user=user, case_id=case_id)  # another team's case is not found
        form = CaseActionForm(request.POST or None, case=case)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    if data["status"]:
                        case = case_change_status(case=case, status=data["status"], reason=data["reason"], by=user)
                    if data["owner"] or data["team"]:
                        owner = user_by_username(data["owner"]) if data["owner"] else None
                        team = team_by_slug(data["team"] or None)
                        case = case_assign(case=case, owner=owner, team=team, reason=data["reason"], by=user)
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                changed = [str(form.fields[name].label) for name in ("status", "owner", "team") if data[name]]
                self.log_change(request, case, [{"changed": {"fields": changed}}])
                messages.success(request, _("The case was changed; its timeline says how."))
                return redirect("admin:cases_case_change", case.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Change the status, owner or team"),
            "subtitle": str(case),
            "opts": self.opts,
            "case": case,
            "form": form,
        }
        return TemplateResponse(request, "admin/cases/case/act.html", context, status=422 if form.errors else 200)


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
class CaseMessageAdmin(ReadOnlyAdmin):
    """Messages to customers are written from the case and sent by the worker."""

    list_display = ("subject", "case", "to_email", "language", "status", "created_at", "sent_at")
    list_filter = ("status", "language")

    def visible_to(self, user: User) -> QuerySet[CaseMessage]:
        return case_messages_visible_to(user)
