from django import forms
from django.utils.translation import gettext_lazy as _

from amends.cases.enums import CaseStatus, Severity
from amends.cases.services import MAX_NOTE_LENGTH
from amends.core.enums import Language


class InboxFilterForm(forms.Form):
    view = forms.ChoiceField(
        choices=[("mine", _("My cases")), ("team", _("Team")), ("unassigned", _("Unassigned"))],
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


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"), choices=[("", _("Browser's language")), *list(Language.choices)], required=False
    )


class PosterForm(forms.Form):
    size = forms.ChoiceField(label=_("Paper size"), choices=[("a4", "A4"), ("a5", "A5")])
    lang = forms.ChoiceField(label=_("Language of the poster"), choices=list(Language.choices))
