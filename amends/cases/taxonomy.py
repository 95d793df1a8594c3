"""Root causes along the customer journey: each category belongs to a journey stage and a cause family.

Pure rules, no database. Admins map categories in the taxonomy (`Category`); a category nobody mapped (e.g. an
imported CFPB issue) is placed by the words in its name, else it shows as "unmapped" so someone can map it.
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


# The first taxonomy, which admins edit from there: (key, stage, family, names in en, nl, de, it, fr, es).
DEFAULT_CATEGORIES = [
    ("delivery", "delivery", "partners",
     ("Delivery", "Levering", "Lieferung", "Consegna", "Livraison", "Entrega")),
    ("billing", "billing", "process",
     ("Billing", "Facturering", "Abrechnung", "Fatturazione", "Facturation", "Facturación")),
    ("product_quality", "stay", "product",
     ("Product quality", "Productkwaliteit", "Produktqualität", "Qualità del prodotto", "Qualité du produit",
      "Calidad del producto")),
    ("staff_behaviour", "support", "people",
     ("Staff behaviour", "Gedrag van personeel", "Verhalten des Personals", "Comportamento del personale",
      "Comportement du personnel", "Comportamiento del personal")),
    ("booking", "booking", "process",
     ("Booking", "Boeking", "Buchung", "Prenotazione", "Réservation", "Reserva")),
    ("cleanliness", "stay", "place",
     ("Cleanliness", "Netheid", "Sauberkeit", "Pulizia", "Propreté", "Limpieza")),
    ("delay", "delivery", "process",
     ("Delay or cancellation", "Vertraging of annulering", "Verspätung oder Stornierung", "Ritardo o cancellazione",
      "Retard ou annulation", "Retraso o cancelación")),
    ("other", "unmapped", "unmapped",
     ("Other", "Overig", "Sonstiges", "Altro", "Autre", "Otro")),
]  # fmt: skip
NAME_SUFFIXES = ("", "_nl", "_de", "_it", "_fr", "_es")  # Category.name, name_nl, ... in the order of the names


@dataclass(frozen=True)
class RootCause:
    stage: str
    family: str


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


def root_cause_of(category: str, mapped: dict[str, RootCause]) -> RootCause:
    """Where a category sits: as the taxonomy maps it, else by its words, else unmapped."""
    if category in mapped and mapped[category] != UNMAPPED:
        return mapped[category]
    words = category.lower()
    for keys, stage, family in KEYWORDS:
        if any(key in words for key in keys):
            return RootCause(stage, family)
    return UNMAPPED
