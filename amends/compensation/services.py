"""Every write of gestures: spending authority, offers, the approval chain, the customer's choice and the ledger."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from amends.cases.enums import OPEN_STATUSES, EventKind
from amends.cases.models import Case
from amends.cases.services import case_message_send, log_case_event
from amends.core.enums import Role
from amends.core.errors import DomainError, ErrorCode, Forbidden
from amends.core.models import User
from amends.core.selectors import supervisors_of
from amends.notifications.services import notify

from . import limits
from .enums import PAID_OUT, Decision, Fulfilment, GestureType, OfferStatus
from .models import Alternative, AuthorityLimit, LedgerEntry, Offer, OfferDecision
from .selectors import (
    authority_of,
    choice_token,
    spent_by,
    team_budget_of,
    team_spent_in_month,
)

MAX_ALTERNATIVES = 5
MAX_AMOUNT = Decimal("1000000")
MAX_REASON_LENGTH = 1000
CHOICE_DAYS = 14  # the customer's link works this long
VOUCHER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


@dataclass(frozen=True)
class AlternativeData:
    type: str
    amount: Decimal
    currency: str
    description: str = ""


def _invalid(message: str, field: str) -> DomainError:
    return DomainError(ErrorCode.INVALID_VALUE, message, field=field)


def _currency(value: str, field: str) -> str:
    code = value.strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise _invalid(_("A currency is a three-letter code such as EUR."), field)
    return code


def _amount(value: Decimal | None, field: str, *, required: bool = True) -> Decimal | None:
    if value is None:
        if required:
            raise DomainError(ErrorCode.MISSING_FIELD, _("Give an amount."), field=field)
        return None
    if not value.is_finite() or value < 0 or value > MAX_AMOUNT or value != value.quantize(Decimal("0.01")):
        raise DomainError(
            ErrorCode.OUT_OF_RANGE, _("An amount is between 0 and 1,000,000, in cents at most."), field=field
        )
    return value


# --- Spending authority -----------------------------------------------------------------------------------------


@transaction.atomic
def authority_limit_set(
    *,
    role: str | None,
    user: User | None,
    per_case: Decimal,
    per_day: Decimal | None,
    per_month: Decimal | None,
    currency: str,
    by: User,
) -> AuthorityLimit:
    """Set the spending authority of a role or of one person (replacing their role's); admins only."""
    if not by.has_role(Role.ADMIN):
        raise Forbidden(_("Only an admin may set spending limits."))
    if (role is None) == (user is None):
        raise _invalid(_("Give either a role or a user, not both."), "role")
    if role is not None and role not in Role.values:
        raise _invalid(_("A role is agent, supervisor or admin."), "role")
    values = {
        "per_case": _amount(per_case, "per_case"),
        "per_day": _amount(per_day, "per_day", required=False),
        "per_month": _amount(per_month, "per_month", required=False),
        "currency": _currency(currency, "currency"),
        "updated_by": by,
    }
    limit, _created = AuthorityLimit.objects.update_or_create(
        **({"user": user, "role": ""} if user is not None else {"role": role, "user": None}), defaults=values
    )
    return limit


def spending_lock(person: User) -> None:
    """Serialise everything that counts against one person's day and month: without it, offers made (or approved)
    at the same moment each read the old totals and all pass. Call it inside the transaction that reads the totals
    and writes the gesture, after locking the case (the order every path takes). SQLite's IMMEDIATE transactions
    already run one at a time."""
    list(User.objects.select_for_update().filter(pk=person.pk).values_list("pk", flat=True))


# --- Offers -----------------------------------------------------------------------------------------------------


def _checked_alternatives(alternatives: list[AlternativeData]) -> tuple[str, list[AlternativeData]]:
    if not alternatives:
        raise DomainError(ErrorCode.MISSING_FIELD, _("Offer at least one gesture."), field="alternatives")
    if len(alternatives) > MAX_ALTERNATIVES:
        raise DomainError(ErrorCode.OUT_OF_RANGE, _("Offer at most five alternatives."), field="alternatives")
    checked = []
    for index, alternative in enumerate(alternatives):
        where = f"alternatives.{index}"
        if alternative.type not in GestureType.values:
            raise _invalid(_("Choose a gesture type from the catalogue."), f"{where}.type")
        amount = _amount(alternative.amount, f"{where}.amount")
        assert amount is not None
        if alternative.type == GestureType.APOLOGY_ONLY and amount:
            raise _invalid(_("An apology has no amount."), f"{where}.amount")
        currency = _currency(alternative.currency, f"{where}.currency")
        checked.append(AlternativeData(alternative.type, amount, currency, alternative.description.strip()[:300]))
    currencies = {alternative.currency for alternative in checked}
    if len(currencies) > 1:
        raise _invalid(_("All alternatives of one offer are in the same currency."), "alternatives")
    return currencies.pop(), checked


@transaction.atomic
def offer_make(*, case: Case, alternatives: list[AlternativeData], reason: str, by: User) -> Offer:
    """Offer one gesture or alternatives to choose from. Within the offerer's spending authority the customer gets
    the link at once; above it the offer waits for the next level up, who is told."""
    case = Case.objects.select_for_update(of=("self",)).select_related("customer", "team").get(pk=case.pk)
    if case.status not in OPEN_STATUSES:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, _("Gestures are offered on open cases."), field="case", status=409
        )
    reason = reason.strip()
    if not reason:
        raise DomainError(ErrorCode.MISSING_FIELD, _("Say why this gesture fits."), field="reason")
    if len(reason) > MAX_REASON_LENGTH:
        raise DomainError(ErrorCode.TOO_LONG, _("The reason is too long."), field="reason")
    currency, checked = _checked_alternatives(alternatives)
    amount = limits.exposure(alternative.amount for alternative in checked)
    spending_lock(by)
    verdict = limits.check(amount, currency, authority_of(by), spent_by(by, case=case, currency=currency))
    offer = Offer.objects.create(case=case, status=OfferStatus.OFFERED, reason=reason, currency=currency, offered_by=by)
    Alternative.objects.bulk_create(
        Alternative(offer=offer, position=n, type=a.type, amount=a.amount, description=a.description)
        for n, a in enumerate(checked, start=1)
    )
    log_case_event(
        case=case,
        kind=EventKind.OFFER_MADE,
        actor=by,
        data={
            "offer_id": offer.pk,
            "currency": currency,
            "alternatives": [{"type": a.type, "amount": str(a.amount)} for a in checked],
            "status": OfferStatus.OFFERED if verdict.within else OfferStatus.PENDING_APPROVAL,
        },
    )
    if verdict.within:
        _send_to_customer(offer, by=by)
    else:
        _ask_approval(offer, amount=amount, roles=by.role_names, exceeded=verdict.exceeded)
    return offer


def _ask_approval(offer: Offer, *, amount: Decimal, roles: set[str], exceeded: tuple[limits.Exceeded, ...]) -> None:
    role = limits.approver_role(roles) or Role.ADMIN.value
    offer.status, offer.approver_role = OfferStatus.PENDING_APPROVAL, role
    offer.save(update_fields=["status", "approver_role"])
    case = offer.case
    log_case_event(
        case=case,
        kind=EventKind.APPROVAL_REQUESTED,
        data={"offer_id": offer.pk, "approver_role": role, "exceeded": [str(reason) for reason in exceeded]},
    )

    def message() -> tuple[str, str]:
        subject = _("Approval needed: a gesture of %(amount)s %(currency)s on case #%(case)s") % {
            "amount": amount, "currency": offer.currency, "case": case.pk
        }  # fmt: skip
        body = _("%(person)s offers more than their spending limit allows. Reason: %(reason)s") % {
            "person": offer.offered_by.get_full_name() or offer.offered_by.username, "reason": offer.reason
        }  # fmt: skip
        return subject, body

    notify(recipients=_approvers(offer), kind="approval_requested", message=message, case_id=case.pk)


def _approvers(offer: Offer) -> list[User]:
    """Who decides a pending offer: supervisors of the case's team (any supervisor when it has none), or admins."""
    role = offer.approver_role or Role.ADMIN.value
    holders = Q(groups__name=role) | Q(is_superuser=True) if role == Role.ADMIN else Q(groups__name=role)
    people = User.objects.filter(holders, is_active=True).exclude(pk=offer.offered_by_id).distinct()
    if role == Role.SUPERVISOR and offer.case.team_id is not None:
        in_team = list(people.filter(teams=offer.case.team_id))
        if in_team:
            return in_team
    return list(people)


def _send_to_customer(offer: Offer, *, by: User) -> None:
    """The offer goes out: the customer gets the link to choose, by email when we have their address."""
    now = timezone.now()
    offer.status, offer.offered_at = OfferStatus.OFFERED, now
    offer.expires_at = now + timedelta(days=CHOICE_DAYS)
    offer.save(update_fields=["status", "offered_at", "expires_at"])
    customer = offer.case.customer
    if not customer.email:
        return  # the agent shares the link another way (phone, chat); it is on the case page
    language = customer.language or settings.LANGUAGE_CODE
    with translation.override(language):
        subject = _("A gesture to make it up to you")
        body = _(
            "Dear %(name)s,\n\nWe are sorry for what happened. To make it up to you, we would like to offer you "
            "the following; choose what suits you best here:\n\n%(url)s\n\nThe link works until %(until)s."
        ) % {
            "name": customer.name or customer.external_id,
            "url": choice_url(offer),
            "until": date_format(timezone.localtime(offer.expires_at).date(), "DATE_FORMAT"),
        }
    case_message_send(case=offer.case, by=by, subject=subject, body=body, language=language)


def choice_url(offer: Offer) -> str:
    return settings.AMENDS_BASE_URL.rstrip("/") + reverse("compensation:choose", args=[choice_token(offer)])


@transaction.atomic
def offer_decide(*, offer: Offer, decision: str, amount: Decimal | None, comment: str, by: User) -> Offer:
    """An approver approves, changes (no alternative above `amount`) or rejects a pending offer, with a comment.
    An approver whose own authority does not cover the offer passes it one level up."""
    list(Case.objects.select_for_update().filter(pk=offer.case_id).values_list("pk", flat=True))  # as offer_make
    offers = Offer.objects.select_for_update(of=("self",)).select_related("case__customer", "offered_by")
    offer = offers.get(pk=offer.pk)
    if offer.status != OfferStatus.PENDING_APPROVAL:
        raise DomainError(ErrorCode.OFFER_CLOSED, _("This offer is not waiting for approval."), status=409)
    if decision not in Decision.values:
        raise _invalid(_("Decide approve, change or reject."), "decision")
    comment = comment.strip()
    if not comment:
        raise DomainError(ErrorCode.MISSING_FIELD, _("Explain your decision in a comment."), field="comment")
    if by.pk == offer.offered_by_id:
        raise Forbidden(_("Someone else approves your own offer."), code=ErrorCode.NOT_APPROVER)
    if not by.has_role(Role(offer.approver_role or Role.ADMIN)):
        raise Forbidden(_("This offer waits for a %(role)s.") % {"role": Role(offer.approver_role or Role.ADMIN).label},
                        code=ErrorCode.NOT_APPROVER)  # fmt: skip
    alternatives = list(offer.alternatives.all())
    if decision == Decision.CHANGE:
        cap = _amount(amount, "amount")
        assert cap is not None
        for alternative in alternatives:
            if alternative.amount > cap:
                alternative.amount = cap
                alternative.save(update_fields=["amount"])
    OfferDecision.objects.create(
        offer=offer, decision=decision, amount=amount if decision == Decision.CHANGE else None, comment=comment,
        decided_by=by,
    )  # fmt: skip
    log_case_event(
        case=offer.case,
        kind=EventKind.OFFER_DECIDED,
        actor=by,
        data={"offer_id": offer.pk, "decision": decision, "amount": str(amount) if amount is not None else None,
              "comment": comment},
    )  # fmt: skip
    if decision == Decision.REJECT:
        offer.status, offer.approver_role = OfferStatus.REJECTED, ""
        offer.save(update_fields=["status", "approver_role"])
        _tell_offerer(offer, decision, comment)
        return offer
    exposure = limits.exposure(alternative.amount for alternative in alternatives)
    beyond = _beyond_approvers_authority(by, offer, exposure)
    if beyond:
        _ask_approval(offer, amount=exposure, roles=by.role_names, exceeded=beyond)
        return offer
    offer.approved_by, offer.approver_role = by, ""
    offer.save(update_fields=["approved_by", "approver_role"])
    _send_to_customer(offer, by=by)
    _tell_offerer(offer, decision, comment)
    return offer


def _beyond_approvers_authority(by: User, offer: Offer, exposure: Decimal) -> tuple[limits.Exceeded, ...]:
    """The approver's own limits that approving would pass: per case, everything the case can still pay out with
    this offer; per day and month, everything they gave or approved. Nobody is above an admin: theirs is final."""
    if by.is_superuser or limits.approver_role(by.role_names) is None:
        return ()
    spending_lock(by)
    spent = spent_by(by, case=offer.case, currency=offer.currency, excluding=offer)
    return limits.check(exposure, offer.currency, authority_of(by), spent).exceeded


def _tell_offerer(offer: Offer, decision: str, comment: str) -> None:
    def message() -> tuple[str, str]:
        subject = _("Your offer on case #%(case)s: %(decision)s") % {
            "case": offer.case_id, "decision": Decision(decision).label
        }  # fmt: skip
        return subject, comment

    notify(recipients=[offer.offered_by], kind="offer_decided", message=message, case_id=offer.case_id)


# --- The customer's choice and the ledger -----------------------------------------------------------------------


@transaction.atomic
def offer_choose(*, offer: Offer, position: int) -> LedgerEntry:
    """The customer picks an alternative (from the link): it goes on the ledger and is fulfilled. Idempotent for the
    same choice; another choice after the first is refused."""
    offer = Offer.objects.select_for_update().select_related("case__customer", "case__location").get(pk=offer.pk)
    if offer.status == OfferStatus.CHOSEN:
        entry = offer.ledger_entries.order_by("id").first()
        if entry is not None and offer.chosen is not None and offer.chosen.position == position:
            return entry
        raise DomainError(ErrorCode.TOKEN_USED, _("You have already made your choice."), status=409)
    if offer.status != OfferStatus.OFFERED:
        raise DomainError(ErrorCode.OFFER_CLOSED, _("This offer can no longer be chosen."), status=409)
    now = timezone.now()
    if offer.expires_at is not None and offer.expires_at <= now:
        raise DomainError(ErrorCode.TOKEN_EXPIRED, _("This offer has expired."), status=410)
    alternative = offer.alternatives.filter(position=position).first()
    if alternative is None:
        raise _invalid(_("Choose one of the offered options."), "choice")
    offer.status, offer.chosen, offer.chosen_at = OfferStatus.CHOSEN, alternative, now
    offer.save(update_fields=["status", "chosen", "chosen_at"])
    case = offer.case
    entry = LedgerEntry.objects.create(
        case=case,
        customer=case.customer,
        offer=offer,
        type=alternative.type,
        amount=alternative.amount,
        currency=offer.currency,
        category=case.category,
        location=case.location,
        team=case.team,
        offered_by=offer.offered_by,
        approved_by=offer.approved_by,
        **fulfilment_of(alternative.type, now),
    )
    log_case_event(
        case=case,
        kind=EventKind.GESTURE_CHOSEN,
        data={"offer_id": offer.pk, "ledger_id": entry.pk, "type": entry.type, "amount": str(entry.amount),
              "currency": entry.currency, "fulfilment": entry.fulfilment},
    )  # fmt: skip

    def message() -> tuple[str, str]:
        subject = _("The customer chose a gesture on case #%(case)s") % {"case": case.pk}
        return subject, f"{alternative.get_type_display()} {alternative.amount} {offer.currency}"

    notify(recipients=[offer.offered_by], kind="gesture_chosen", message=message, case_id=case.pk)
    _warn_on_budget(entry, now)
    return entry


def _warn_on_budget(entry: LedgerEntry, now: datetime) -> None:
    """Tell the team's supervisors once, when a gesture takes the month's spending to 80% of the budget or more."""
    budget = team_budget_of(entry.team_id, lock=True)  # choices at the same moment would all miss the crossing
    if budget is None or budget.currency != entry.currency or entry.team_id is None:
        return
    spent = team_spent_in_month(entry.team_id, budget.currency, now)
    if not limits.budget_warning_crossed(budget=budget.per_month, spent=spent, added=entry.amount):
        return

    def message() -> tuple[str, str]:
        share = int(spent * 100 / budget.per_month)
        subject = _("%(team)s has spent %(share)s%% of this month's gesture budget") % {
            "team": budget.team.name, "share": share
        }  # fmt: skip
        body = _("Spent %(spent)s of %(budget)s %(currency)s this month.") % {
            "spent": spent, "budget": budget.per_month, "currency": budget.currency
        }  # fmt: skip
        return subject, body

    notify(recipients=supervisors_of(entry.team_id), kind="budget_warning", message=message, case_id=entry.case_id)


def fulfilment_of(gesture_type: str, now: datetime, validity_days: int | None = None) -> dict:
    """How a gesture is fulfilled: a voucher or discount is issued with a code now, money is marked to pay."""
    if gesture_type in (GestureType.VOUCHER, GestureType.DISCOUNT):
        code = "".join(secrets.choice(VOUCHER_ALPHABET) for _ in range(10))
        return {
            "fulfilment": Fulfilment.ISSUED,
            "voucher_code": f"{code[:5]}-{code[5:]}",
            "valid_until": (now + timedelta(days=validity_days or 365)).date(),
        }
    if gesture_type in PAID_OUT:
        return {"fulfilment": Fulfilment.TO_PAY}
    if gesture_type in (GestureType.APOLOGY_ONLY, GestureType.LOYALTY_POINTS):
        return {"fulfilment": Fulfilment.ISSUED}
    return {"fulfilment": Fulfilment.TO_ARRANGE}


@transaction.atomic
def ledger_correct(*, entry: LedgerEntry, amount: Decimal, note: str, by: User) -> LedgerEntry:
    """Correct a ledger entry with a new one (e.g. -20.00 when less was paid out); nothing is ever changed or
    deleted. Supervisors and admins only. A correction is bounded like an offer's amount, and the entry with all its
    corrections stays between 0 (nothing taken back that was not given) and the largest amount."""
    if not by.supervises:
        raise Forbidden(_("Only a supervisor or an admin corrects the ledger."))
    note = note.strip()
    if not note:
        raise DomainError(ErrorCode.MISSING_FIELD, _("Say why the entry is corrected."), field="note")
    if entry.corrects_id is not None:
        raise DomainError(ErrorCode.INVALID_VALUE, _("Correct the original entry, not a correction of it."),
                          status=422)  # fmt: skip
    if (
        not amount.is_finite() or amount == 0 or abs(amount) > MAX_AMOUNT
        or amount != amount.quantize(Decimal("0.01"))
    ):  # fmt: skip
        raise DomainError(ErrorCode.OUT_OF_RANGE, _("A correction is a non-zero amount in cents, at most 1,000,000 "
                                                    "either way."), field="amount", status=422)  # fmt: skip
    entry = LedgerEntry.objects.select_for_update(of=("self",)).get(pk=entry.pk)  # corrections take turns
    corrected = entry.amount + (entry.corrections.aggregate(total=Sum("amount"))["total"] or Decimal("0"))
    if not Decimal("0") <= corrected + amount <= MAX_AMOUNT:
        message = _("With this correction the entry would come to %(total)s %(currency)s; it stays between 0 and "
                    "1,000,000.") % {"total": corrected + amount, "currency": entry.currency}  # fmt: skip
        raise DomainError(ErrorCode.OUT_OF_RANGE, message, field="amount", status=422)
    correction = LedgerEntry.objects.create(
        case=entry.case, incident=entry.incident, customer=entry.customer, offer=entry.offer, type=entry.type,
        amount=amount,
        currency=entry.currency, category=entry.category, location=entry.location, team=entry.team,
        offered_by=by, approved_by=None, fulfilment=Fulfilment.CORRECTION, corrects=entry, note=note[:300],
    )  # fmt: skip
    if entry.case is not None:
        log_case_event(
            case=entry.case,
            kind=EventKind.GESTURE_CORRECTED,
            actor=by,
            data={"ledger_id": correction.pk, "corrects": entry.pk, "amount": str(amount), "note": correction.note},
        )
    return correction
