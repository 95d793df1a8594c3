import re
import secrets
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from amends.cases.enums import CaseStatus, PlaybookStep, Severity
from amends.cases.selectors import category_choices
from amends.cases.services import MAX_NOTE_LENGTH, MAX_REASON_LENGTH
from amends.compensation.enums import Decision, GestureType
from amends.compensation.models import CatalogueItem
from amends.core.enums import Language
from amends.core.models import Location
from amends.core.text import single_line


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


class ResolveForm(forms.Form):
    category = forms.ChoiceField(label=_("Root cause"))
    resolution = forms.CharField(
        label=_("How was it fixed?"), max_length=MAX_NOTE_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )
    override_reason = forms.CharField(
        label=_("Supervisors: why resolve with playbook steps open?"), max_length=MAX_REASON_LENGTH, required=False
    )

    def __init__(self, *args: Any, current_category: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "\u2014"), *category_choices(current_category)]  # type: ignore[attr-defined]


class MessageForm(forms.Form):
    template = forms.ChoiceField(
        label=_("Template"), choices=[("", _("My own words")), *list(PlaybookStep.choices)], required=False
    )
    language = forms.ChoiceField(label=_("Language"), choices=list(Language.choices))
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False, validators=[single_line])
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


OFFER_ROWS = 3  # alternatives the page offers at once (the API takes up to five)


class OfferForm(forms.Form):
    """One gesture or up to three alternatives: each from the catalogue (its usual amount) or typed in."""

    reason = forms.CharField(
        label=_("Why this gesture fits"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    confirm_outlier = forms.BooleanField(label=_("Offer it anyway"), required=False)
    # One key per rendered form: sending it twice (a double click, a re-run) makes one offer.
    submit_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args: Any, catalogue: list, **kwargs: Any):
        kwargs.setdefault("auto_id", "offer_%s")  # the case page has other forms with a reason
        super().__init__(*args, **kwargs)
        self.fields["submit_key"].initial = secrets.token_urlsafe(16)
        self.catalogue = {str(item.pk): item for item in catalogue}
        items = [("", _("Type it in")), *[(str(item.pk), _catalogue_label(item)) for item in catalogue]]
        types = [("", "—"), *list(GestureType.choices)]
        for n in range(1, OFFER_ROWS + 1):
            self.fields[f"item_{n}"] = forms.ChoiceField(label=_("From the catalogue"), choices=items, required=False)
            self.fields[f"type_{n}"] = forms.ChoiceField(label=_("Gesture"), choices=types, required=False)
            self.fields[f"amount_{n}"] = forms.DecimalField(
                label=_("Amount"), min_value=0, max_digits=12, decimal_places=2, required=False
            )
            self.fields[f"description_{n}"] = forms.CharField(label=_("Description"), max_length=300, required=False)

    def rows(self) -> list[list[forms.BoundField]]:
        return [[self[f"{name}_{n}"] for name in ("item", "type", "amount", "description")]
                for n in range(1, OFFER_ROWS + 1)]  # fmt: skip

    def alternatives(self) -> list[tuple[str, Decimal, str, str]]:
        """(type, amount, currency, description) per filled row; a catalogue gesture gives what is left empty."""
        chosen = []
        for n in range(1, OFFER_ROWS + 1):
            data = {name: self.cleaned_data.get(f"{name}_{n}") for name in ("item", "type", "amount", "description")}
            item = self.catalogue.get(data["item"] or "")
            if item is None and not data["type"] and data["amount"] is None:
                continue
            kind = data["type"] or (item.type if item else "")
            amount = data["amount"] if data["amount"] is not None else (item.default_amount if item else None)
            if not kind:
                self.add_error(f"type_{n}", _("Choose a gesture, or one from the catalogue."))
                continue
            if amount is None:
                self.add_error(f"amount_{n}", _("Give an amount."))
                continue
            description = data["description"] or (item.name if item else "")
            chosen.append((kind, amount, item.currency if item else "EUR", description))
        if not chosen and not self.errors:
            self.add_error("item_1", _("Offer at least one gesture."))
        return chosen


def _catalogue_label(item: Any) -> str:
    return f"{item.name} ({item.default_amount} {item.currency})"


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=list(Decision.choices), widget=forms.RadioSelect)
    amount = forms.DecimalField(
        label=_("Changed to at most"), min_value=0, max_digits=12, decimal_places=2, required=False
    )
    comment = forms.CharField(label=_("Comment"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class TaskForm(forms.Form):
    due_at = forms.DateTimeField(
        label=_("When"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    note = forms.CharField(label=_("What to do"), max_length=300)


ATTRIBUTE_LINE = re.compile(r"^\s*([A-Za-z_]\w*)\s*=\s*(.*?)\s*$")


class IncidentMessagesForm(forms.Form):
    """A message per language: the first line is the subject."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, name in Language.choices:
            self.fields[f"message_{code}"] = forms.CharField(
                label=name, required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
            )

    def message_fields(self) -> list[forms.BoundField]:
        return [self[f"message_{code}"] for code in Language.values]

    def messages_by_language(self) -> dict[str, str]:
        texts = {code: self.cleaned_data.get(f"message_{code}", "") for code in Language.values}
        return {code: text for code, text in texts.items() if text.strip()}


class IncidentForm(IncidentMessagesForm):
    title = forms.CharField(label=_("Title"), max_length=200, validators=[single_line])
    location = forms.ModelChoiceField(
        label=_("Location"), queryset=Location.objects.order_by("name"), to_field_name="code", required=False,
        empty_label=_("Any location"),
    )  # fmt: skip
    occurred_from = forms.DateTimeField(
        label=_("Interactions from"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )  # fmt: skip
    occurred_to = forms.DateTimeField(
        label=_("Interactions until"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )  # fmt: skip
    attributes = forms.CharField(
        label=_("Attributes"), required=False, help_text=_("One filter per line, e.g. region = North"),
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "region = North"}),
    )  # fmt: skip
    gesture = forms.ModelChoiceField(
        label=_("Gesture for every affected customer"), queryset=CatalogueItem.objects.filter(is_active=True),
        required=False, empty_label=_("No gesture"),
    )  # fmt: skip
    field_order = ["title", "location", "occurred_from", "occurred_to", "attributes", "gesture"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["gesture"].label_from_instance = _catalogue_label  # type: ignore[attr-defined]

    def clean_attributes(self) -> dict[str, str]:
        filters = {}
        for line in self.cleaned_data["attributes"].splitlines():
            if not line.strip():
                continue
            match = ATTRIBUTE_LINE.match(line)
            if match is None or not match.group(2):
                raise forms.ValidationError(_("Write each filter as name = value, one per line."))
            filters[match.group(1)] = match.group(2)
        return filters


class IncidentSendForm(forms.Form):
    """Sending an incident with a paid gesture: first the choice of who gets it, then the confirmation of its total."""

    include_without_email = forms.BooleanField(required=False)
    confirm_total = forms.DecimalField(required=False, max_digits=14, decimal_places=2, widget=forms.HiddenInput)
    confirmed = forms.BooleanField(required=False)


class IncidentUpdateForm(IncidentMessagesForm):
    resolved = forms.BooleanField(label=_("The problem is solved: this is the resolution notice"), required=False)
