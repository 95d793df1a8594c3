"""Every read of gestures, with the permission gate: what a person may see follows the cases they may see."""

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from django.core import signing
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from amends.cases.models import Case
from amends.cases.selectors import cases_visible_to
from amends.core.errors import NotFound
from amends.core.models import User

from . import limits
from .enums import OfferStatus
from .fairness import Spread, spread
from .models import AuthorityLimit, CatalogueItem, LedgerEntry, Offer, TeamBudget

CHOICE_SALT = "amends.compensation.choice"
CENT = Decimal("0.01")


def authority_of(user: User) -> limits.Limit | None:
    """The spending limit that applies to this person (their own, else their highest role's)."""
    rows = AuthorityLimit.objects.filter(Q(user=user) | Q(user__isnull=True))
    personal, by_role = None, {}
    for row in rows:
        limit = limits.Limit(row.currency, row.per_case, row.per_day, row.per_month)
        if row.user_id == user.pk:
            personal = limit
        else:
            by_role[row.role] = limit
    return limits.limit_for(roles=user.role_names, personal=personal, by_role=by_role, unlimited=user.is_superuser)


OPEN = (OfferStatus.OFFERED, OfferStatus.PENDING_APPROVAL)  # live: the customer may still receive one


def _open_exposures(offers: QuerySet[Offer]) -> list[tuple[datetime, Decimal]]:
    """(when committed, what it commits: its most expensive alternative) of each offer still open; an offer is
    committed when it went to the customer, or while it waits for approval, when it was made."""
    rows = offers.filter(status__in=OPEN).annotate(
        exposure=Max("alternatives__amount"), committed_at=Coalesce("offered_at", "created_at")
    )
    return [(made, exposure or limits.ZERO) for made, exposure in rows.values_list("committed_at", "exposure")]


def committed_on_case(case: Case, currency: str, *, excluding: Offer | None = None) -> Decimal:
    """What the case can still pay out in `currency` (limits.payable_on_case), leaving out the offer `excluding`."""
    given = LedgerEntry.objects.filter(case=case, currency=currency).aggregate(total=Sum("amount"))["total"]
    live = Offer.objects.filter(case=case, currency=currency)
    if excluding is not None:
        live = live.exclude(pk=excluding.pk)
    exposures = (amount for _made, amount in _open_exposures(live))
    return limits.payable_on_case(given=given or limits.ZERO, live_exposures=exposures)


@dataclass(frozen=True)
class CasePayout:
    """What an approver (and the agent) sees of a case's money: its other live offers, what it was given, and the
    most it can pay out."""

    currency: str
    others: list[Offer]  # live offers besides the one in question, with their alternatives
    given: list[LedgerEntry]  # gestures already on the ledger for this case (corrections included)
    total: Decimal  # what the case can pay out, every live offer included


def case_payout(case: Case, currency: str = "EUR", *, besides: Offer | None = None) -> CasePayout:
    others = Offer.objects.filter(case=case, currency=currency, status__in=OPEN)
    if besides is not None:
        others = others.exclude(pk=besides.pk)
    return CasePayout(
        currency=currency,
        others=list(others.select_related("offered_by").prefetch_related("alternatives").order_by("id")),
        given=list(LedgerEntry.objects.filter(case=case, currency=currency).order_by("id")),
        total=committed_on_case(case, currency).quantize(CENT),
    )


def _day_start(moment: datetime) -> datetime:
    """Midnight of the moment's day in the business's time zone: days and months of spending start there."""
    return timezone.localtime(moment).replace(hour=0, minute=0, second=0, microsecond=0)


def spent_by(
    user: User, *, case: Case | None, currency: str, now: datetime | None = None, excluding: Offer | None = None
) -> limits.Spent:
    """What counts against the person's limits before a new offer or approval, in `currency`: what they gave or
    approved, and their live offers and approvals (without a case: a gesture to a whole incident's cohort)."""
    day = _day_start(now or timezone.now())
    month = day.replace(day=1)
    theirs = Q(offered_by=user) | Q(approved_by=user)
    given = LedgerEntry.objects.filter(theirs, currency=currency, created_at__gte=month)
    offered = Offer.objects.filter(theirs, currency=currency).filter(
        Q(offered_at__gte=month) | Q(offered_at__isnull=True, created_at__gte=month)
    )
    if excluding is not None:
        offered = offered.exclude(pk=excluding.pk)
    dated = [*given.values_list("created_at", "amount"), *_open_exposures(offered)]
    return limits.Spent(
        on_case=committed_on_case(case, currency, excluding=excluding) if case is not None else limits.ZERO,
        today=sum((amount for made, amount in dated if made >= day), limits.ZERO),
        this_month=sum((amount for _made, amount in dated), limits.ZERO),
    )


def offers_visible_to(user: User) -> QuerySet[Offer]:
    return Offer.objects.filter(case__in=cases_visible_to(user))


def offer_get_for_user(user: User, offer_id: int) -> Offer:
    offer = offers_visible_to(user).select_related("case", "offered_by").filter(pk=offer_id).first()
    if offer is None:
        raise NotFound(_("There is no offer %(id)s, or you may not see it.") % {"id": offer_id})
    return offer


def ledger_visible_to(user: User) -> QuerySet[LedgerEntry]:
    entries = LedgerEntry.objects.select_related("case", "customer", "offered_by", "approved_by", "location", "team")
    if user.sees_all_teams:
        return entries
    visible = Q(case__in=cases_visible_to(user))
    if user.supervises:  # incidents are announced by supervisors, across teams
        visible |= Q(incident__isnull=False)
    return entries.filter(visible)


def ledger_entry_get_for_user(user: User, entry_id: int) -> LedgerEntry:
    entry = ledger_visible_to(user).filter(pk=entry_id).first()
    if entry is None:
        raise NotFound(_("There is no ledger entry %(id)s, or you may not see it.") % {"id": entry_id})
    return entry


def choice_token(offer: Offer) -> str:
    """The customer's link to choose: signed, so unguessable; the offer's expiry is checked when it is used."""
    return signing.Signer(salt=CHOICE_SALT).sign_object({"o": offer.pk})  # the same link every time it is shown


def offer_by_token(token: str) -> Offer | None:
    try:
        data = signing.Signer(salt=CHOICE_SALT).unsign_object(token)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("o"), int):
        return None
    return (
        Offer.objects.select_related("case__customer", "case__location").prefetch_related("alternatives")
        .filter(pk=data["o"]).first()
    )  # fmt: skip


def ledger_filtered(
    user: User,
    *,
    case: int | None = None,
    customer: str | None = None,
    category: str | None = None,
    location: str | None = None,
    offered_by: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[LedgerEntry]:
    """The ledger this person may see, narrowed by what is given; `since` and `until` are whole days."""
    entries = ledger_visible_to(user)
    if case is not None:
        entries = entries.filter(case_id=case)
    if customer:
        entries = entries.filter(customer__external_id=customer)
    if category:
        entries = entries.filter(category=category)
    if location:
        entries = entries.filter(location__code=location)
    if offered_by:
        entries = entries.filter(offered_by__username=offered_by)
    zone = timezone.get_current_timezone()
    if since:
        entries = entries.filter(created_at__gte=datetime.combine(since, time(), zone))
    if until:
        entries = entries.filter(created_at__lt=datetime.combine(until, time.max, zone))
    return entries


@dataclass(frozen=True)
class Guidance:
    """What the agent, and the approver, see about an offer's fairness."""

    currency: str
    similar: Spread | None  # gestures on cases of the same category (when known) and severity
    past: list[LedgerEntry]  # this customer's earlier gestures
    suggested: list[CatalogueItem]  # the playbook's suggested gestures for this category and severity


SIMILAR_SAMPLE = 1000  # the most recent gestures are the ones that set expectations


def catalogue_item_get(item_id: int) -> CatalogueItem:
    item = CatalogueItem.objects.filter(pk=item_id, is_active=True).first()
    if item is None:
        raise NotFound(_("There is no active gesture %(id)s in the catalogue.") % {"id": item_id}, field="gesture")
    return item


def catalogue_for(case: Case) -> QuerySet[CatalogueItem]:
    """The gestures that may be offered at the case's location."""
    offerable = CatalogueItem.objects.filter(is_active=True)
    return offerable.filter(Q(location__isnull=True) | Q(location_id=case.location_id)).order_by("type", "name")


def similar_gestures(case: Case, currency: str = "EUR") -> Spread | None:
    similar = LedgerEntry.objects.filter(
        currency=currency, corrects__isnull=True, case__severity=case.severity
    ).exclude(case=case)
    if case.category:
        similar = similar.filter(category=case.category)
    return spread(list(similar.order_by("-id").values_list("amount", flat=True)[:SIMILAR_SAMPLE]))


def offer_guidance(case: Case, currency: str = "EUR") -> Guidance:
    suggested = catalogue_for(case).filter(pk__in=case.playbook.suggested_gestures.all()) if case.playbook else []
    return Guidance(
        currency=currency,
        similar=similar_gestures(case, currency),
        past=list(LedgerEntry.objects.filter(customer_id=case.customer_id).order_by("-id")[:10]),
        suggested=list(suggested),
    )


def team_spent_in_month(team_id: int, currency: str, now: datetime) -> Decimal:
    """What the team's gestures cost this calendar month (corrections included)."""
    month = _day_start(now).replace(day=1)
    total = LedgerEntry.objects.filter(team_id=team_id, currency=currency, created_at__gte=month).aggregate(
        total=Sum("amount")
    )["total"]
    return total or limits.ZERO


def team_budget_of(team_id: int | None, *, lock: bool = False) -> TeamBudget | None:
    """The team's monthly budget; `lock` (inside a transaction) serialises what is added to the team's month."""
    if team_id is None:
        return None
    budgets = TeamBudget.objects.select_related("team").filter(team_id=team_id)
    return (budgets.select_for_update(of=("self",)) if lock else budgets).first()


def pending_for_approver(user: User) -> QuerySet[Offer]:
    """Offers waiting for a decision this person may take: their role is the one asked, on cases they may see."""
    roles = set(user.role_names) | ({"admin"} if user.is_superuser else set())
    return (
        offers_visible_to(user)
        .filter(status=OfferStatus.PENDING_APPROVAL, approver_role__in=roles)
        .exclude(offered_by=user)
        .select_related("case__customer", "offered_by")
        .prefetch_related("alternatives")
        .order_by("created_at")
    )


TOTAL_GROUPS = {"category": "category", "location": "location__code", "month": "month", "team": "team__slug"}


def ledger_totals(entries: QuerySet[LedgerEntry], *, by: str) -> list[dict]:
    """Sum and count of gestures per category, location, team or month, per currency."""
    key = TOTAL_GROUPS[by]
    if by == "month":
        entries = entries.annotate(month=TruncMonth("created_at"))
    rows = entries.values(key, "currency").annotate(total=Sum("amount"), gestures=Count("pk")).order_by(key, "currency")
    return [
        {
            "group": row[key].strftime("%Y-%m") if by == "month" and row[key] else (row[key] or ""),
            "currency": row["currency"],
            "total": row["total"],
            "gestures": row["gestures"],
        }
        for row in rows
    ]
