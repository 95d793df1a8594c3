"""Numbers as the reader writes them (their language's decimal mark and grouping), for pages and emails alike."""

from decimal import Decimal

from django.utils.formats import number_format

NONE = "\u2013"  # shown for a number that cannot be computed (nothing to divide by)


def fixed(value: float | Decimal, digits: int) -> str:
    """Rounded, in the reader's format (Django's number_format cuts digits off instead of rounding)."""
    return number_format(round(Decimal(str(value)), digits), digits, force_grouping=True)


def percent(value: float | None) -> str:
    """A share (0..1) as a percentage with one decimal."""
    return NONE if value is None else f"{fixed(value * 100, 1)} %"


def number(value: float | None, digits: int = 1) -> str:
    return NONE if value is None else fixed(value, digits)


def signed(value: float | None, digits: int = 2) -> str:
    """A gap or difference with its sign: +0,50 or -1,25."""
    return NONE if value is None else ("+" if value > 0 else "") + fixed(value, digits)
