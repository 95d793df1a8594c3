"""The customer on one page: everything we know and did, newest first, behind the permission gate."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from amends.cases.enums import EventKind
from amends.cases.models import Case, CaseEvent, CaseMessage
from amends.cases.selectors import cases_visible_to, team_ids_of
from amends.compensation.models import LedgerEntry
from amends.core.errors import NotFound
from amends.core.models import User
from amends.incidents.selectors import notices_of_customer
from amends.intake.models import Feedback

from .models import Customer, Interaction

TIMELINE_LIMIT = 200  # per kind: a long-standing customer's page stays quick


@dataclass(frozen=True)
class TimelineItem:
    kind: str  # interaction, feedback, case, note, message
    at: datetime
    title: str
    detail: str
    case_id: int | None
    author: str | None = None

    @property
    def kind_label(self) -> str:
        labels = {
            "interaction": _("Interaction"),
            "feedback": _("Feedback"),
            "case": _("Case"),
            "note": _("Note"),
            "message": _("Message"),
            "gesture": _("Gesture"),
        }
        return labels[self.kind]


@dataclass(frozen=True)
class CustomerView:
    customer: Customer
    open_case_id: int | None
    counts: dict[str, int]  # interactions, feedback, cases, failures recovered
    timeline: list[TimelineItem]


def customer_for_user(*, user: User, external_id: str) -> Customer:
    """The customer, if the user's teams served them (a case, feedback or interaction at one of their locations)."""
    customer = customers_visible_to(user).filter(external_id=external_id).first()
    if customer is None:
        raise NotFound(_("There is no customer %(id)s, or you may not see them.") % {"id": external_id})
    return customer


def customers_visible_to(user: User) -> QuerySet[Customer]:
    """The customers the user's teams served: a case the user may see, feedback or an interaction at one of their
    teams' locations (admins: all)."""
    customers = Customer.objects.all()
    if user.sees_all_teams:
        return customers
    located = at_teams_locations(user)
    return customers.filter(
        Exists(cases_visible_to(user).filter(customer=OuterRef("pk")))
        | Exists(Feedback.objects.filter(located, customer=OuterRef("pk")))
        | Exists(Interaction.objects.filter(located, customer=OuterRef("pk")))
    )


def at_teams_locations(user: User) -> Q:
    """Rows (interactions, feedback) given at a location of one of the user's teams; everywhere for admins."""
    return Q() if user.sees_all_teams else Q(location__team_id__in=team_ids_of(user))


def interactions_visible_to(user: User) -> QuerySet[Interaction]:
    return Interaction.objects.filter(at_teams_locations(user))


def customer_view(*, user: User, external_id: str) -> CustomerView:
    customer = customer_for_user(user=user, external_id=external_id)
    located = at_teams_locations(user)
    cases = list(cases_visible_to(user).filter(customer=customer).order_by("-created_at")[:TIMELINE_LIMIT])
    case_ids = [case.pk for case in cases]
    interactions = list(
        Interaction.objects.filter(located, customer=customer).select_related("location")[:TIMELINE_LIMIT]
    )
    feedback = list(
        Feedback.objects.filter(located, customer=customer)
        .select_related("location")
        .order_by("-occurred_at")[:TIMELINE_LIMIT]
    )
    # Feedback at the user's locations may sit on another team's case: that case is not named.
    elsewhere = {f.case_id for f in feedback if f.case_id is not None} - set(case_ids)
    shown = set(case_ids)
    if elsewhere:
        shown |= set(cases_visible_to(user).filter(pk__in=elsewhere).values_list("pk", flat=True))
    notes = CaseEvent.objects.filter(case_id__in=case_ids, kind=EventKind.NOTE_ADDED).select_related("actor")
    messages = CaseMessage.objects.filter(case_id__in=case_ids).select_related("author")
    given = Q(case_id__in=case_ids) | Q(case__isnull=True, customer=customer)  # on their cases, or for an incident
    gestures = list(LedgerEntry.objects.filter(given).select_related("offered_by")[:TIMELINE_LIMIT])
    items = [
        *(
            TimelineItem("interaction", i.occurred_at, f"{i.kind} {i.external_id}", i.location.name, None)
            for i in interactions
        ),
        *(
            TimelineItem(
                "feedback",
                f.occurred_at,
                f.get_channel_display(),
                _scores_and_text(f),
                f.case_id if f.case_id in shown else None,
            )
            for f in feedback
        ),
        *(
            TimelineItem("case", c.created_at, f"#{c.pk} {c.get_status_display()}", _case_detail(c), c.pk)
            for c in cases
        ),
        *(
            TimelineItem("note", n.created_at, _("Note"), n.data.get("body", ""), n.case_id, _name(n.actor))
            for n in notes[:TIMELINE_LIMIT]
        ),
        *(
            TimelineItem("message", m.created_at, m.subject, m.body, m.case_id, _name(m.author))
            for m in messages[:TIMELINE_LIMIT]
        ),
        *(
            TimelineItem(
                "gesture",
                g.created_at,
                f"{g.get_type_display()} {g.amount} {g.currency}",
                g.note or g.get_fulfilment_display(),
                g.case_id,
                _name(g.offered_by),
            )
            for g in gestures
        ),
    ]
    notices = list(notices_of_customer(customer).order_by("-sent_at")[:TIMELINE_LIMIT])
    items += [
        TimelineItem(
            "incident", n.sent_at or n.update.created_at, n.update.incident.title, n.update.get_kind_display(), None
        )
        for n in notices
    ]
    items.sort(key=lambda item: item.at, reverse=True)
    open_case = next((case.pk for case in cases if case.resolved_at is None and case.status != "closed"), None)
    counts = {
        "interactions": len(interactions),
        "feedback": len(feedback),
        "cases": len(cases),
        "recovered": sum(case.resolved_at is not None for case in cases),
        "gestures": len(gestures),
        "incidents": len({n.update.incident_id for n in notices}),
    }
    return CustomerView(customer, open_case, counts, items)


def _name(user: User | None) -> str | None:
    return (user.get_full_name() or user.username) if user else None


def _scores_and_text(feedback: Feedback) -> str:
    scores = feedback.score_labels()
    return " · ".join([*scores, feedback.text[:300]]) if feedback.text else " · ".join(scores)


def _case_detail(case: Case) -> str:
    parts = [case.summary]
    if case.resolution:
        parts.append(_("Recovered: %(how)s") % {"how": case.resolution[:200]})
    return " — ".join(part for part in parts if part)
