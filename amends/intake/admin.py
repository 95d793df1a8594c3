from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from amends.core.backoffice import ScopedAdmin, ScopedRelatedFilter
from amends.core.enums import Language
from amends.core.errors import DomainError
from amends.core.models import Location, User
from amends.customers.services import CustomerData, may_change_contact

from .channels.webform.selectors import locations_for_staff
from .channels.webhook.mapping import MappingError, validate_mapping
from .detection import Scores
from .enums import Channel, FeedbackKind
from .models import DetectionRule, Feedback, ImportRun, Mailbox, WebhookSource
from .rules import RuleError, validate_conditions
from .selectors import feedback_visible_to
from .services import FeedbackInput, feedback_submit
from .verdict import forget_rules


class FeedbackIntakeForm(forms.Form):
    """A survey answer or complaint logged by hand (say, after a phone call): the API's fields, the API's path."""

    customer_external_id = forms.CharField(
        label=_("Customer ID"), max_length=128, help_text=_("The customer's ID in your own systems.")
    )
    customer_name = forms.CharField(label=_("Customer name"), max_length=200, required=False)
    customer_email = forms.EmailField(label=_("Customer email"), max_length=254, required=False)
    customer_language = forms.ChoiceField(
        label=_("Customer language"), choices=[("", "—"), *Language.choices], required=False
    )
    location = forms.ModelChoiceField(label=_("Location"), queryset=Location.objects.none(), to_field_name="code")
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    kind = forms.ChoiceField(label=capfirst(_("kind")), choices=FeedbackKind.choices, initial=FeedbackKind.COMPLAINT)
    text = forms.CharField(
        label=_("What the customer said"), widget=forms.Textarea, required=False,
        max_length=settings.AMENDS_MAX_TEXT_LENGTH,
    )  # fmt: skip
    nps = forms.IntegerField(label=_("Likelihood to recommend (0-10)"), min_value=0, max_value=10, required=False)
    csat = forms.IntegerField(label=_("Satisfaction (1-5)"), min_value=1, max_value=5, required=False)
    ces = forms.IntegerField(label=_("Effort (1-7)"), min_value=1, max_value=7, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        # Where the person may post: their teams' locations (admins: all), the rule of the location pages.
        self.fields["location"].queryset = locations_for_staff(user)  # type: ignore[attr-defined]

    def feedback_input(self) -> FeedbackInput:
        data = self.cleaned_data
        return FeedbackInput(
            customer=CustomerData(
                external_id=data["customer_external_id"],
                name=data["customer_name"] or None,
                email=data["customer_email"] or None,
                language=data["customer_language"] or None,
            ),
            location_code=data["location"].code,
            channel=data["channel"],
            kind=data["kind"],
            scores=Scores(nps=data["nps"], csat=data["csat"], ces=data["ces"]),
            text=data["text"],
            occurred_at=timezone.now(),
            posted_by=self.user,
            may_change_contact=may_change_contact(self.user),
        )


def _form_field(error_field: str | None) -> str:
    """Where an intake error belongs on the form: the API's "customer.email" is our "customer_email"."""
    field = error_field or ""
    if field == "customer":
        return "customer_external_id"
    return field.replace("customer.", "customer_", 1)


@admin.register(Feedback)
class FeedbackAdmin(ScopedAdmin):
    """Feedback is the customer's words: read here, never edited. Adding runs the intake service, as the API does,
    so that a complaint opens its case, starts its SLA clock and alerts the team."""

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
    list_filter = ("kind", "channel", "is_negative", "language", ("location", ScopedRelatedFilter))
    search_fields = ("text", "customer__external_id")
    raw_id_fields = ("customer", "interaction", "case")

    def visible_to(self, user: User) -> QuerySet[Feedback]:
        return feedback_visible_to(user)

    def has_change_permission(self, request: HttpRequest, obj: Feedback | None = None) -> bool:
        return False

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        user: User = request.user  # type: ignore[assignment]
        form = FeedbackIntakeForm(request.POST or None, user=user)
        if request.method == "POST" and form.is_valid():
            try:
                with transaction.atomic():
                    feedback, case = feedback_submit(form.feedback_input())
            except DomainError as error:
                field = _form_field(error.field)
                form.add_error(field if field in form.fields else None, error.message)
            else:
                self.log_addition(request, feedback, [{"added": {}}])
                if case is None:
                    messages.success(request, _("The feedback was stored; it opened no case."))
                    return redirect("admin:intake_feedback_changelist")
                messages.success(request, _("The feedback was stored on case #%(id)s.") % {"id": case.pk})
                return redirect("admin:cases_case_change", case.pk)
        fieldsets = [(None, {"fields": list(form.fields)})]
        adminform = helpers.AdminForm(form, fieldsets, {}, model_admin=self)  # type: ignore[arg-type]  # any form
        context = {
            **self.admin_site.each_context(request),
            "title": _("Log feedback"),
            "subtitle": None,
            "adminform": adminform,
            "object_id": None,
            "original": None,
            "is_popup": False,
            "to_field": None,
            "media": self.media + adminform.media,
            "inline_admin_formsets": [],
            "errors": helpers.AdminErrorList(form, []),  # type: ignore[arg-type]
            "preserved_filters": self.get_preserved_filters(request),
            "show_save_and_add_another": False,
            "show_save_and_continue": False,
            **(extra_context or {}),
        }
        return self.render_change_form(request, context, add=True, form_url=form_url)


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
