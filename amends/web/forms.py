from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from amends.cases.enums import CaseStatus, PlaybookStep, Severity
from amends.cases.services import MAX_NOTE_LENGTH, MAX_REASON_LENGTH
from amends.core.enums import Language


class InboxFilterForm(forms.Form):
    view = forms.ChoiceField(
        choices=[
            ("mine", _("My cases")),
            ("team", _("Team")),
            ("unassigned", _("Unassigned")),
            ("breaching", _("Breaching soon")),
            ("waiting", _("Waiting on customer")),
        ],
        required=False,
    )
    status = forms.ChoiceField(choices=[("", _("Open")), *list(CaseStatus.choices)], required=False)
    severity = forms.ChoiceField(choices=[("", _("Any severity")), *list(Severity.choices)], required=False)
    cursor = forms.CharField(required=False, max_length=200)


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Note"), max_length=MAX_NOTE_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))


# The first root-cause categories; the learn issue turns these into a managed taxonomy.
CATEGORY_CHOICES = [
    ("delivery", _("Delivery")),
    ("billing", _("Billing")),
    ("product_quality", _("Product quality")),
    ("staff_behaviour", _("Staff behaviour")),
    ("booking", _("Booking")),
    ("cleanliness", _("Cleanliness")),
    ("delay", _("Delay or cancellation")),
    ("other", _("Other")),
]


class ResolveForm(forms.Form):
    category = forms.ChoiceField(label=_("Root cause"), choices=[("", "—"), *CATEGORY_CHOICES])
    resolution = forms.CharField(
        label=_("How was it fixed?"), max_length=MAX_NOTE_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )
    override_reason = forms.CharField(
        label=_("Supervisors: why resolve with playbook steps open?"), max_length=MAX_REASON_LENGTH, required=False
    )


class MessageForm(forms.Form):
    template = forms.ChoiceField(
        label=_("Template"), choices=[("", _("My own words")), *list(PlaybookStep.choices)], required=False
    )
    language = forms.ChoiceField(label=_("Language"), choices=list(Language.choices))
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    body = forms.CharField(
        label=_("Message"),
        max_length=MAX_NOTE_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Leave empty to send the template's text."),
    )


class AssignForm(forms.Form):
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    team = forms.ChoiceField(label=_("Team"), required=False)
    reason = forms.CharField(label=_("Reason for the transfer"), max_length=MAX_REASON_LENGTH, required=False)

    def __init__(self, *args: Any, owners: list[tuple[str, str]], teams: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "—"), *owners]  # type: ignore[attr-defined]
        self.fields["team"].choices = [("", "—"), *teams]  # type: ignore[attr-defined]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=MAX_REASON_LENGTH, required=False)


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"), choices=[("", _("Browser's language")), *list(Language.choices)], required=False
    )


class PosterForm(forms.Form):
    size = forms.ChoiceField(label=_("Paper size"), choices=[("a4", "A4"), ("a5", "A5")])
    lang = forms.ChoiceField(label=_("Language of the poster"), choices=list(Language.choices))


class RelatedCaseForm(forms.Form):
    other = forms.IntegerField(label=_("Case number"), min_value=1)
