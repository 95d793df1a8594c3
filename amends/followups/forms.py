from typing import TYPE_CHECKING

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _scale(label: "StrOrPromise", low: int, high: int, *, required: bool = False) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        coerce=int,
        choices=[(n, str(n)) for n in range(low, high + 1)],
        widget=forms.RadioSelect,
        empty_value=None,
        required=required,
        error_messages={"required": _("Please answer this question.")},
    )


class FollowUpForm(forms.Form):
    """The follow-up survey: satisfaction with the handling (required), overall, loyalty, and the three fairness
    dimensions of complaint handling. Scales of 1-5 run from 1 "not at all" to 5 "completely"."""

    handling = _scale(_("How satisfied are you with how we handled your problem? (1-5)"), 1, 5, required=True)
    fair_outcome = _scale(_("Was the outcome fair? (1-5)"), 1, 5)
    fair_process = _scale(_("Was it handled fairly and quickly? (1-5)"), 1, 5)
    fair_treatment = _scale(_("Were you treated courteously and honestly? (1-5)"), 1, 5)
    overall = _scale(_("Overall, how satisfied are you with us? (1-5)"), 1, 5)
    nps = _scale(_("How likely are you to recommend us to a friend? (0-10)"), 0, 10)
    repurchase = _scale(_("How likely are you to buy from us again? (1-5)"), 1, 5)
    comment = forms.CharField(
        label=_("Anything you want to tell us?"),
        required=False,
        max_length=settings.AMENDS_MAX_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
