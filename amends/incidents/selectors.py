"""Reads of incidents: the cohort behind the query, the preview, and the progress of each message."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from amends.cases import wording
from amends.compensation.models import CatalogueItem, LedgerEntry
from amends.compensation.wording import gesture_text
from amends.core.errors import Forbidden, NotFound
from amends.core.models import User
from amends.core.text import flattened
from amends.customers.models import Customer, Interaction

from .enums import NoticeStatus
from .models import Incident, IncidentNotice, IncidentUpdate

SAMPLE_SIZE = 10
SAMPLE_VOUCHER_CODE = "XXXXX-XXXXX"  # what the preview shows where each customer's own code will be


def incidents_all() -> QuerySet[Incident]:
    return Incident.objects.select_related("location", "created_by", "gesture")


def incidents_for(user: User) -> QuerySet[Incident]:
    """The incidents pages are the supervisors' (and admins'): they declare and announce them."""
    if not user.supervises:
        raise Forbidden(_("Only supervisors and admins manage incidents."))
    counted = incidents_all().annotate(member_count=Count("members", distinct=True),
                                       case_count=Count("cases", distinct=True))  # fmt: skip
    return counted.order_by("-id")  # a grouped query drops Meta.ordering: the pages need a stable order


def incident_get_for_user(user: User, incident_id: int) -> Incident:
    incidents_for(user)
    return incident_get(incident_id)


def incident_get(incident_id: int) -> Incident:
    incident = incidents_all().filter(pk=incident_id).first()
    if incident is None:
        raise NotFound(_("There is no incident %(id)s.") % {"id": incident_id})
    return incident


def cohort_interactions(incident: Incident) -> QuerySet[Interaction]:
    """The interactions the incident's query selects: location, time range, and attribute equalities."""
    rows = Interaction.objects.all()
    if incident.location_id is not None:
        rows = rows.filter(location_id=incident.location_id)
    if incident.occurred_from is not None:
        rows = rows.filter(occurred_at__gte=incident.occurred_from)
    if incident.occurred_to is not None:
        rows = rows.filter(occurred_at__lt=incident.occurred_to)
    for key, value in sorted(incident.attributes.items()):
        rows = rows.filter(**{f"attributes__{key}": value})
    return rows


def cohort_customer_ids(incident: Incident) -> QuerySet[Interaction, Any]:
    """The distinct customers of the cohort, as a subquery (also the source of the announcement's INSERT)."""
    return cohort_interactions(incident).order_by().values("customer_id").distinct()


@dataclass(frozen=True)
class GestureCost:
    """What the incident's gesture costs for this many customers."""

    amount: Decimal
    currency: str
    recipients: int
    total: Decimal


def gesture_cost(gesture: CatalogueItem, recipients: int) -> GestureCost:
    total = (gesture.default_amount * recipients).quantize(Decimal("0.01"))
    return GestureCost(gesture.default_amount, gesture.currency, recipients, total)


def incident_preview(incident: Incident) -> dict:
    """How many customers the incident would reach, in which languages, how many have no email address, a sample
    of them (with and without an address), the languages that have no message yet (they would get the fallback),
    the message as the first of them would read it, and what the gesture would cost: for the customers who can be
    told (the default), and for everyone."""
    customers = Customer.objects.filter(pk__in=cohort_customer_ids(incident))
    languages = {
        row["language"] or "": row["n"] for row in customers.order_by().values("language").annotate(n=Count("pk"))
    }
    count, without_email = sum(languages.values()), customers.filter(email="").count()
    unreachable = list(customers.filter(email="").order_by("pk")[: SAMPLE_SIZE // 2])
    reachable = list(customers.exclude(email="").order_by("pk")[: SAMPLE_SIZE - len(unreachable)])
    sample = sorted(reachable + unreachable, key=lambda customer: customer.pk)
    gesture = incident.gesture
    cost = None
    if gesture is not None and gesture.default_amount > 0:
        cost = {"with_email": gesture_cost(gesture, count - without_email), "everyone": gesture_cost(gesture, count)}
    reader = next(iter(reachable or sample), None)
    return {
        "count": count,
        "without_email": without_email,
        "languages": languages,
        "missing_languages": sorted(lang for lang in languages if lang and lang not in incident.messages),
        "sample": sample,
        "cost": cost,
        "sample_message": _sample_message(incident, reader) if reader is not None else None,
    }


def _sample_message(incident: Incident, customer: Customer) -> dict:
    gesture = None
    if incident.gesture is not None:
        item = incident.gesture
        gesture = LedgerEntry(type=item.type, amount=item.default_amount, currency=item.currency,
                              voucher_code=SAMPLE_VOUCHER_CODE)  # fmt: skip
    subject, body = notice_text(incident, incident.messages, customer, gesture)
    language = message_language(incident.messages, customer.language)
    return {"customer": customer, "language": language, "subject": subject, "body": body}


def message_language(messages: dict[str, str], language: str) -> str:
    """The customer's language, else the business's default language, else the first one written."""
    for candidate in (language, settings.LANGUAGE_CODE):
        if candidate in messages:
            return candidate
    return next(iter(messages))


def notice_text(
    incident: Incident, messages: dict[str, str], customer: Customer, gesture: LedgerEntry | None
) -> tuple[str, str]:
    """(subject, body) of a notice as this customer reads it: the first line of the message is the subject;
    {customer_name}, {incident}, {location}, and with a gesture {gesture} and {voucher_code}, are filled in, the
    gesture in the message's language and number format ("Waardebon € 25,00")."""
    language = message_language(messages, customer.language)
    with translation.override(language):
        described = gesture_text(gesture.type, gesture.amount, gesture.currency) if gesture else ""
    values = {
        "customer_name": customer.name or customer.external_id,
        "incident": incident.title,
        "location": incident.location.name if incident.location else "",
        "gesture": described,
        "voucher_code": gesture.voucher_code if gesture else "",
    }
    # Stored names are put on one line each: the first line of the text becomes the email's subject.
    text = wording.render(messages[language], {name: flattened(value) for name, value in values.items()})
    first, _sep, rest = text.partition("\n")
    return (first.strip(), rest.strip()) if rest.strip() else (incident.title, text)


def update_progress(update: IncidentUpdate) -> dict[str, int]:
    counts = {status.value: 0 for status in NoticeStatus}
    for row in update.notices.order_by().values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    return {"recipients": update.recipients, **counts}


def notices_of_customer(customer: Customer) -> QuerySet[IncidentNotice]:
    return IncidentNotice.objects.filter(customer=customer, status=NoticeStatus.SENT).select_related("update__incident")
