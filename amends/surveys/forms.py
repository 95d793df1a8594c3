from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from . import servqual
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


class ServqualForm(forms.Form):
    """Each statement twice on 1-7 (e_1.. what an excellent company offers; p_1.. what we delivered), and 100
    importance points over the five dimensions. Every question is required: the gaps compare like with like."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        scale = [("", "\u2013"), *((n, str(n)) for n in servqual.SCALE)]
        for number, statement in enumerate(servqual.ITEMS, start=1):
            for prefix in ("e", "p"):
                self.fields[f"{prefix}_{number}"] = forms.TypedChoiceField(
                    label=statement, choices=scale, coerce=int, error_messages={"required": _("Choose 1 to 7.")}
                )
        for dimension, description in servqual.DIMENSIONS.items():
            self.fields[f"w_{dimension}"] = forms.IntegerField(
                label=description, min_value=0, max_value=servqual.IMPORTANCE_POINTS,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "points"}),
            )  # fmt: skip

    def rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        """(expectation, perception) per statement, for the table the page shows."""
        return [(self[f"e_{n}"], self[f"p_{n}"]) for n in range(1, len(servqual.ITEMS) + 1)]

    def importance_fields(self) -> list[forms.BoundField]:
        return [self[f"w_{dimension}"] for dimension in servqual.DIMENSIONS]

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        points = [cleaned[f"w_{d}"] for d in servqual.DIMENSIONS if cleaned.get(f"w_{d}") is not None]
        if len(points) == len(servqual.DIMENSIONS) and sum(points) != servqual.IMPORTANCE_POINTS:
            total = sum(points)
            raise forms.ValidationError(
                _("The points must add up to 100; they add up to %(total)s.") % {"total": total}
            )
        return cleaned

    def answer(self) -> tuple[list[int], list[int], dict[str, int]]:
        data = self.cleaned_data
        count = len(servqual.ITEMS)
        return (
            [data[f"e_{n}"] for n in range(1, count + 1)],
            [data[f"p_{n}"] for n in range(1, count + 1)],
            {dimension: data[f"w_{dimension}"] for dimension in servqual.DIMENSIONS},
        )
