"""Reads of incidents: the cohort behind the query, the preview, and the progress of each message."""

from typing import Any

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from amends.core.errors import Forbidden, NotFound
from amends.core.models import User
from amends.customers.models import Customer, Interaction

from .enums import NoticeStatus
from .models import Incident, IncidentNotice, IncidentUpdate

SAMPLE_SIZE = 10


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


def incident_preview(incident: Incident) -> dict:
    """How many customers the incident would reach, in which languages, a sample of them, and the languages
    among them that have no message yet (they would get the fallback)."""
    customers = Customer.objects.filter(pk__in=cohort_customer_ids(incident))
    languages = {
        row["language"] or "": row["n"] for row in customers.order_by().values("language").annotate(n=Count("pk"))
    }
    sample = list(customers.order_by("pk")[:SAMPLE_SIZE])
    return {
        "count": sum(languages.values()),
        "without_email": customers.filter(email="").count(),
        "languages": languages,
        "missing_languages": sorted(lang for lang in languages if lang and lang not in incident.messages),
        "sample": sample,
    }


def update_progress(update: IncidentUpdate) -> dict[str, int]:
    counts = {status.value: 0 for status in NoticeStatus}
    for row in update.notices.order_by().values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    return {"recipients": update.recipients, **counts}


def notices_of_customer(customer: Customer) -> QuerySet[IncidentNotice]:
    return IncidentNotice.objects.filter(customer=customer, status=NoticeStatus.SENT).select_related("update__incident")
