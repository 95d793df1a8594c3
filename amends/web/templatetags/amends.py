from decimal import Decimal

from django import template

from amends.cases.enums import CaseStatus, PlaybookStep
from amends.cases.selectors import category_label as label_of_category
from amends.compensation.enums import GestureType
from amends.compensation.wording import money_text
from amends.followups.enums import Verdict

register = template.Library()


@register.filter
def status_label(value: str) -> str:
    try:
        return str(CaseStatus(value).label)
    except ValueError:
        return value


@register.filter
def category_label(value: str) -> str:
    return label_of_category(value)


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


@register.filter
def money(amount: Decimal | None, currency: str = "EUR") -> str:
    """An amount in the reader's language and number format: {{ total|money:"EUR" }} reads "€ 18.775,00" in Dutch."""
    return "" if amount is None else money_text(amount, currency)
