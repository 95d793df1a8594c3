from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import Survey


class AnswerForm(forms.Form):
    csat = forms.TypedChoiceField(
        label=_("How satisfied are you?"),
        coerce=int,
        choices=[(n, str(n)) for n in range(1, 6)],
        widget=forms.RadioSelect,
        empty_value=None,
        required=False,
    )
    nps = forms.TypedChoiceField(
        label=_("How likely are you to recommend us to a friend?"),
        coerce=int,
        choices=[(n, str(n)) for n in range(0, 11)],
        widget=forms.RadioSelect,
        empty_value=None,
        required=False,
    )
    ces = forms.TypedChoiceField(
        label=_("How much effort did it take? (1 = very little, 7 = a lot)"),
        coerce=int,
        choices=[(n, str(n)) for n in range(1, 8)],
        widget=forms.RadioSelect,
        empty_value=None,
        required=False,
    )
    repurchase = forms.TypedChoiceField(
        label=_("How likely are you to buy from us again? (1-5)"),
        coerce=int,
        choices=[(n, str(n)) for n in range(1, 6)],
        widget=forms.RadioSelect,
        empty_value=None,
        required=False,
    )
    text = forms.CharField(
        label=_("Anything you want to tell us?"),
        required=False,
        max_length=settings.AMENDS_MAX_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: object, survey: Survey, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        asked = {"csat": survey.asks_csat, "nps": survey.asks_nps, "ces": survey.asks_ces,
                 "repurchase": survey.asks_repurchase, "text": survey.asks_text}  # fmt: skip
        for name, asks in asked.items():
            if not asks:
                del self.fields[name]

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        if all(cleaned.get(name) in (None, "") for name in self.fields):
            raise forms.ValidationError(_("Answer at least one question."))
        return cleaned
