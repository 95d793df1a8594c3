"""The silent unhappy: customers at risk who have no open case, each with the reason, behind the team gate."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from amends.cases.enums import OPEN_STATUSES
from amends.cases.models import Case
from amends.cases.selectors import team_ids_of
from amends.core.models import Location, User
from amends.customers.models import Customer, Interaction

from .at_risk import (
    CSAT_DROP,
    FAILED_STATUSES,
    HARD_CES,
    LATE_HOURS,
    LUKEWARM_NPS,
    NPS_DROP,
    POOR_CSAT,
    WINDOW,
    RiskReason,
    feedback_reason,
    interaction_failed,
)
from .models import Feedback

# Candidates read per source, newest first. The database already keeps only rows that may be at risk, so this is a
# guard against a flood, not a sample: past it, the oldest signals of the 30 days are the ones left out.
SCAN_LIMIT = 10_000


@dataclass(frozen=True)
class AtRisk:
    customer: Customer
    reason: RiskReason
    location: Location
    since: datetime
    feedback: Feedback | None = None
    interaction: Interaction | None = None


def _visible_locations(user: User) -> list[int] | None:
    return (
        None
        if user.sees_all_teams
        else list(Location.objects.filter(team_id__in=team_ids_of(user)).values_list("id", flat=True))
    )


def _unhandled(queryset: QuerySet, customer_field: str) -> QuerySet:
    """Leave out customers with an open case, and signals a case has followed since (a complaint, or our own
    proactive case once it is resolved): someone has dealt with them."""
    handled = Case.objects.filter(customer_id=OuterRef(customer_field)).filter(
        Q(status__in=OPEN_STATUSES) | Q(created_at__gte=OuterRef("occurred_at"))
    )
    return queryset.filter(~Exists(handled))


def at_risk_for_user(user: User, *, now: datetime | None = None, customer: str | None = None) -> list[AtRisk]:
    """Everyone at risk at the user's locations, newest signal first (or only `customer`, by external id)."""
    now = now or timezone.now()
    since = now - WINDOW
    locations = _visible_locations(user)
    found: dict[int, AtRisk] = {}  # one entry per customer: the first reason found
    for entry in (*_failed_interactions(since, locations, customer), *_silent_feedback(since, locations, customer)):
        found.setdefault(entry.customer.pk, entry)
    return sorted(found.values(), key=sort_key, reverse=True)


def sort_key(entry: AtRisk) -> tuple[datetime, int]:
    """The list's order, newest first, and what a page's cursor remembers: ties on time are broken by customer."""
    return entry.since, entry.customer.pk


def page_after(entries: list[AtRisk], after: tuple[datetime, int] | None, limit: int) -> tuple[list[AtRisk], bool]:
    """The `limit` entries that follow the one with key `after` (from the start without one), and whether more
    follow. Keyed rather than numbered, so a customer reached meanwhile does not shift the next page."""
    rest = entries if after is None else [entry for entry in entries if sort_key(entry) < after]
    return rest[:limit], len(rest) > limit


def _maybe_failed(interactions: QuerySet) -> QuerySet:
    """A superset of `interaction_failed` the database can check, so that only likely failures are read."""
    late = Q(attributes__delivery_delay_hours__gt=LATE_HOURS) | Q(attributes__delay_hours__gt=LATE_HOURS)
    statuses = Q()
    for status in FAILED_STATUSES:
        statuses |= Q(attributes__status__icontains=status)  # the rule strips and lowers: contains covers both
    return interactions.filter(late | statuses)


def _failed_interactions(since: datetime, locations: list[int] | None, customer: str | None) -> list[AtRisk]:
    interactions = Interaction.objects.select_related("customer", "location").filter(occurred_at__gte=since)
    if locations is not None:
        interactions = interactions.filter(location_id__in=locations)
    if customer is not None:
        interactions = interactions.filter(customer__external_id=customer)
    interactions = _maybe_failed(interactions)
    spoke_since = Feedback.objects.filter(customer_id=OuterRef("customer_id"), occurred_at__gte=OuterRef("occurred_at"))
    interactions = _unhandled(interactions, "customer_id").filter(~Exists(spoke_since))
    return [
        AtRisk(customer=item.customer, reason=RiskReason.FAILED_INTERACTION, location=item.location,
               since=item.occurred_at, interaction=item)
        for item in interactions.order_by("-occurred_at")[:SCAN_LIMIT]
        if interaction_failed(item.attributes)
    ]  # fmt: skip


def _silent_feedback(since: datetime, locations: list[int] | None, customer: str | None) -> list[AtRisk]:
    feedback = Feedback.objects.select_related("customer", "location", "text_sense").filter(
        case__isnull=True, occurred_at__gte=since
    )
    if locations is not None:
        feedback = feedback.filter(location_id__in=locations)
    if customer is not None:
        feedback = feedback.filter(customer__external_id=customer)
    previous = Feedback.objects.filter(
        customer_id=OuterRef("customer_id"), occurred_at__lt=OuterRef("occurred_at")
    ).order_by("-occurred_at")
    feedback = feedback.annotate(
        previous_nps=Subquery(previous.values("nps")[:1]), previous_csat=Subquery(previous.values("csat")[:1])
    )  # the customer's answer before this one, read in the same query
    maybe_at_risk = (  # a superset of `feedback_reason`: the rules below decide
        Q(text_sense__alert=True) | Q(nps__lte=LUKEWARM_NPS) | Q(csat__lte=POOR_CSAT) | Q(ces__gte=HARD_CES)
        | Q(previous_nps__gte=F("nps") + NPS_DROP) | Q(previous_csat__gte=F("csat") + CSAT_DROP)
    )  # fmt: skip
    rows = list(_unhandled(feedback.filter(maybe_at_risk), "customer_id").order_by("-occurred_at")[:SCAN_LIMIT])
    entries = []
    for item in rows:
        reason = _feedback_reason(item)
        if reason is not None:
            entries.append(AtRisk(customer=item.customer, reason=reason, location=item.location,
                                  since=item.occurred_at, feedback=item))  # fmt: skip
    return entries


def _feedback_reason(item: Feedback) -> RiskReason | None:
    sense = getattr(item, "text_sense", None)  # filled by textsense in the worker, when present
    return feedback_reason(
        alert=sense is not None and sense.alert,
        text=item.text,
        nps=item.nps,
        csat=item.csat,
        ces=item.ces,
        previous=(getattr(item, "previous_nps", None), getattr(item, "previous_csat", None)),
    )
