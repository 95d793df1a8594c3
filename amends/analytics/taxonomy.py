"""Root causes along the customer journey: each category belongs to a journey stage and a cause family.

Pure rules, no database. The default categories are mapped by hand; a category nobody mapped (e.g. an imported
CFPB issue) is placed by the words in its name, else it shows as "unmapped" so someone can map it.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

STAGES = {
    "booking": _("Booking and buying"),
    "delivery": _("Delivery"),
    "stay": _("Stay and use"),
    "billing": _("Billing"),
    "support": _("Support"),
    "unmapped": _("Unmapped"),
}
FAMILIES = {
    "people": _("People"),
    "process": _("Process"),
    "product": _("Product"),
    "place": _("Place"),
    "policy": _("Policy"),
    "partners": _("Partners"),
    "unmapped": _("Unmapped"),
}


@dataclass(frozen=True)
class RootCause:
    stage: str
    family: str


DEFAULTS = {
    "delivery": RootCause("delivery", "partners"),
    "billing": RootCause("billing", "process"),
    "product_quality": RootCause("stay", "product"),
    "staff_behaviour": RootCause("support", "people"),
    "booking": RootCause("booking", "process"),
    "cleanliness": RootCause("stay", "place"),
    "delay": RootCause("delivery", "process"),
}
# Words in a category's name that place it, first match wins: (words, stage, family).
KEYWORDS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("fee", "charge", "bill", "payment", "interest", "refund", "fraud"), "billing", "policy"),
    (("staff", "rude", "communication", "customer-service", "dealing"), "support", "people"),
    (("deliver", "shipping", "parcel", "transfer", "closing", "lost"), "delivery", "partners"),
    (("report", "information", "incorrect", "investigation", "debt", "collect"), "support", "process"),
    (("open", "account", "application", "booking", "getting"), "booking", "process"),
    (("clean", "room", "noise", "store"), "stay", "place"),
    (("quality", "broken", "defect", "product", "card", "loan", "mortgage"), "stay", "product"),
)
UNMAPPED = RootCause("unmapped", "unmapped")


def root_cause_of(category: str, overrides: dict[str, RootCause] | None = None) -> RootCause:
    """Where a category sits: an override (set by an admin), the defaults, its words, or unmapped."""
    if overrides and category in overrides:
        return overrides[category]
    if category in DEFAULTS:
        return DEFAULTS[category]
    words = category.lower()
    for keys, stage, family in KEYWORDS:
        if any(key in words for key in keys):
            return RootCause(stage, family)
    return UNMAPPED
