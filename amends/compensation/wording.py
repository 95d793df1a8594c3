"""How a gesture reads to a person, in the active language: "Waardebon € 25,00", "Gutschein 25,00 €"."""

from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import pgettext

from .enums import GestureType

SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$"}  # other currencies are written with their code


def money_text(amount: Decimal, currency: str) -> str:
    """An amount with cents and the language's separators; the symbol where the language puts it."""
    number = number_format(amount, decimal_pos=2, use_l10n=True, force_grouping=True)
    symbol = SYMBOLS.get(currency)
    if symbol is None:
        return f"{number} {currency}"
    # Translators: an amount of money; put the currency symbol where your language writes it ("€ 25,00", "25,00 €").
    return pgettext("money", "%(symbol)s%(amount)s") % {"symbol": symbol, "amount": number}


def gesture_text(gesture_type: str, amount: Decimal, currency: str) -> str:
    """The gesture's kind and, when it has one, its value."""
    label = str(dict(GestureType.choices).get(gesture_type, gesture_type))
    return f"{label} {money_text(amount, currency)}" if amount else label
