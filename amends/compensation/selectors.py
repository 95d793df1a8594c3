"""Every read of gestures, with the permission gate: what a person may see follows the cases they may see."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from statistics import median

from django.core import signing
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from amends.cases.models import Case
from amends.cases.selectors import cases_visible_to
from amends.core.errors import NotFound
from amends.core.models import User

from . import limits
from .enums import OfferStatus
from .models import AuthorityLimit, LedgerEntry, Offer

CHOICE_SALT = "amends.compensation.choice"


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


def _committed(offers: QuerySet[Offer], currency: str) -> Decimal:
    """What offers still open (pending or offered) commit: each its most expensive alternative."""
    total = limits.ZERO
    for offer in offers.filter(currency=currency, status__in=(OfferStatus.OFFERED, OfferStatus.PENDING_APPROVAL)):
        total += limits.exposure(alternative.amount for alternative in offer.alternatives.all())
    return total


def _given(entries: QuerySet[LedgerEntry], currency: str) -> Decimal:
    return entries.filter(currency=currency).aggregate(total=Sum("amount"))["total"] or limits.ZERO


def spent_by(user: User, *, case: Case, currency: str, now: datetime | None = None) -> limits.Spent:
    """What counts against the person's limits before a new offer: given and still-open offers, in `currency`."""
    now = timezone.localtime(now or timezone.now())
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    month = day.replace(day=1)
    on_case = _given(LedgerEntry.objects.filter(case=case), currency) + _committed(
        Offer.objects.filter(case=case).prefetch_related("alternatives"), currency
    )
    mine = Offer.objects.filter(offered_by=user).prefetch_related("alternatives")
    given = LedgerEntry.objects.filter(offered_by=user)
    return limits.Spent(
        on_case=on_case,
        today=_given(given.filter(created_at__gte=day), currency)
        + _committed(mine.filter(created_at__gte=day), currency),
        this_month=_given(given.filter(created_at__gte=month), currency)
        + _committed(mine.filter(created_at__gte=month), currency),
    )


def offers_visible_to(user: User) -> QuerySet[Offer]:
    return Offer.objects.filter(case__in=cases_visible_to(user))


def offer_get_for_user(user: User, offer_id: int) -> Offer:
    offer = offers_visible_to(user).select_related("case", "offered_by").filter(pk=offer_id).first()
    if offer is None:
        raise NotFound("No such offer.")
    return offer


def ledger_visible_to(user: User) -> QuerySet[LedgerEntry]:
    entries = LedgerEntry.objects.select_related("case", "customer", "offered_by", "approved_by", "location", "team")
    if user.sees_all_teams:
        return entries
    return entries.filter(case__in=cases_visible_to(user))


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


@dataclass(frozen=True)
class Guidance:
    """What similar cases received, and what this customer received before: to keep gestures fair."""

    similar_count: int
    similar_median: Decimal | None
    similar_low: Decimal | None
    similar_high: Decimal | None
    customer_total: Decimal
    customer_count: int

    def is_outlier(self, amount: Decimal) -> bool:
        """Far above what similar cases received (more than twice the highest, with enough cases to judge)."""
        return self.similar_count >= 5 and self.similar_high is not None and amount > 2 * self.similar_high


def offer_guidance(case: Case, currency: str) -> Guidance:
    similar = list(
        LedgerEntry.objects.filter(
            case__category=case.category, case__severity=case.severity, currency=currency, amount__gt=0
        )
        .exclude(case=case)
        .values_list("amount", flat=True)[:5000]
    )
    past = LedgerEntry.objects.filter(customer_id=case.customer_id, currency=currency)
    totals = past.aggregate(total=Sum("amount"))
    return Guidance(
        similar_count=len(similar),
        similar_median=Decimal(median(similar)).quantize(Decimal("0.01")) if similar else None,
        similar_low=min(similar, default=None),
        similar_high=max(similar, default=None),
        customer_total=totals["total"] or limits.ZERO,
        customer_count=past.count(),
    )
