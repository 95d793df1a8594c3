from django import template

from amends.cases.enums import CaseStatus, PlaybookStep
from amends.compensation.enums import GestureType
from amends.followups.enums import Verdict

from ..forms import CATEGORY_CHOICES

register = template.Library()


@register.filter
def status_label(value: str) -> str:
    try:
        return str(CaseStatus(value).label)
    except ValueError:
        return value


@register.filter
def category_label(value: str) -> str:
    return str(dict(CATEGORY_CHOICES).get(value, value))


@register.filter
def step_label(value: str) -> str:
    try:
        return str(PlaybookStep(value).label)
    except ValueError:
        return value


@register.filter
def gesture_label(value: str) -> str:
    return str(dict(GestureType.choices).get(value, value))


@register.filter
def verdict_label(value: str) -> str:
    return str(dict(Verdict.choices).get(value, value))
