import csv
import io

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from amends.cases.selectors import case_get_for_user
from amends.core.apikit import (
    ERRORS_READ,
    ERRORS_WRITE,
    ErrorOut,
    IdPageParams,
    api_user,
    id_page,
    idempotent_create,
    iso,
    money,
)
from amends.core.selectors import user_by_username

from .enums import OfferStatus
from .models import AuthorityLimit, LedgerEntry, Offer
from .schemas import (
    AuthorityLimitIn,
    AuthorityLimitOut,
    CorrectionIn,
    DecisionIn,
    LedgerOut,
    LedgerPage,
    LedgerParams,
    LedgerTotals,
    LedgerTotalsParams,
    OfferIn,
    OfferOut,
)
from .selectors import ledger_entry_get_for_user, ledger_filtered, ledger_totals, offer_get_for_user
from .services import AlternativeData, authority_limit_set, choice_url, ledger_correct, offer_decide, offer_make

router = Router(tags=["amends"])


def limit_out(limit: AuthorityLimit) -> dict:
    return {
        "role": limit.role or None,
        "user": limit.user.username if limit.user else None,
        "per_case": money(limit.per_case),
        "per_day": money(limit.per_day),
        "per_month": money(limit.per_month),
        "currency": limit.currency,
    }


@router.put("/authority-limits", response={200: AuthorityLimitOut, **ERRORS_WRITE})
def put_authority_limit(request: HttpRequest, payload: AuthorityLimitIn):
    """Set the spending authority of a role, or of one person (it replaces their role's). Admins only."""
    by = api_user(request)
    user = user_by_username(payload.user, field="user") if payload.user else None
    limit = authority_limit_set(
        role=payload.role.value if payload.role else None,
        user=user,
        per_case=payload.per_case,
        per_day=payload.per_day,
        per_month=payload.per_month,
        currency=payload.currency,
        by=by,
    )
    return limit_out(limit)


def offer_out(offer: Offer) -> dict:
    alternatives = list(offer.alternatives.all())
    chosen = next((a.position for a in alternatives if a.pk == offer.chosen_id), None)
    return {
        "id": offer.pk,
        "case": offer.case_id,
        "status": offer.status,
        "reason": offer.reason,
        "offered_by": offer.offered_by.username,
        "approved_by": offer.approved_by.username if offer.approved_by else None,
        "approver_role": offer.approver_role or None,
        "alternatives": [
            {
                "position": a.position,
                "type": a.type,
                "amount": money(a.amount),
                "currency": offer.currency,
                "description": a.description,
            }
            for a in alternatives
        ],
        "choice_url": choice_url(offer) if offer.status == OfferStatus.OFFERED else None,
        "expires_at": iso(offer.expires_at) if offer.expires_at else None,
        "chosen": chosen,
    }


@router.post("/cases/{case_id}/offers", response={201: OfferOut, **ERRORS_WRITE, 404: ErrorOut})
def make_offer(request: HttpRequest, case_id: int, payload: OfferIn):
    """Offer one gesture or alternatives for the customer to choose from. Within the offerer's spending authority
    the customer gets the link (status `offered`); above it the next level up decides (`pending_approval`)."""
    user = api_user(request)
    case = case_get_for_user(user=user, case_id=case_id)

    def action() -> tuple[int, dict]:
        alternatives = [
            AlternativeData(a.type.value, a.amount, a.currency, a.description) for a in payload.alternatives
        ]
        offer = offer_make(case=case, alternatives=alternatives, reason=payload.reason, by=user)
        return 201, offer_out(offer)

    return idempotent_create(request, scope=f"cases.{case.pk}.offers", payload=payload, action=action)


@router.get("/offers/{offer_id}", response={200: OfferOut, **ERRORS_READ})
def get_offer(request: HttpRequest, offer_id: int):
    return offer_out(offer_get_for_user(api_user(request), offer_id))


@router.post("/offers/{offer_id}/decision", response={200: OfferOut, **ERRORS_WRITE, 404: ErrorOut})
def decide_offer(request: HttpRequest, offer_id: int, payload: DecisionIn):
    """An approver approves, changes (`amount`: no alternative above it) or rejects a pending offer."""
    user = api_user(request)
    offer = offer_get_for_user(user, offer_id)
    decided = offer_decide(offer=offer, decision=payload.decision.value, amount=payload.amount,
                           comment=payload.comment, by=user)  # fmt: skip
    return offer_out(decided)


def ledger_out(entry: LedgerEntry) -> dict:
    return {
        "id": entry.pk,
        "case": entry.case_id,
        "incident": entry.incident_id,
        "customer": entry.customer.external_id,
        "offer": entry.offer_id,
        "type": entry.type,
        "amount": money(entry.amount),
        "currency": entry.currency,
        "category": entry.category,
        "location": entry.location.code if entry.location else None,
        "team": entry.team.slug if entry.team else None,
        "offered_by": entry.offered_by.username,
        "approved_by": entry.approved_by.username if entry.approved_by else None,
        "fulfilment": entry.fulfilment,
        "voucher_code": entry.voucher_code,
        "valid_until": entry.valid_until.isoformat() if entry.valid_until else None,
        "corrects": entry.corrects_id,
        "note": entry.note,
        "created_at": iso(entry.created_at),
    }


def _ledger(request: HttpRequest, params: LedgerParams) -> QuerySet[LedgerEntry]:
    return ledger_filtered(
        api_user(request),
        case=params.case,
        customer=params.customer,
        category=params.category,
        location=params.location,
        offered_by=params.offered_by,
        since=params.since,
        until=params.until,
    )


@router.get("/ledger/totals", response={200: LedgerTotals, **ERRORS_READ})
def ledger_totals_view(request: HttpRequest, params: Query[LedgerTotalsParams]):
    """What gestures cost per root-cause category, location, team or month (same filters as the ledger), per
    currency; corrections are included in the totals."""
    rows = ledger_totals(_ledger(request, params), by=params.by.value)
    return {"by": params.by.value, "items": [{**row, "total": money(row["total"])} for row in rows]}


@router.post("/ledger/{entry_id}/corrections", response={201: LedgerOut, **ERRORS_WRITE, 404: ErrorOut})
def correct_ledger(request: HttpRequest, entry_id: int, payload: CorrectionIn):
    """Correct an entry with a new one; nothing on the ledger is changed or deleted. Supervisors and admins."""
    user = api_user(request)
    entry = ledger_entry_get_for_user(user, entry_id)

    def action() -> tuple[int, dict]:
        return 201, ledger_out(ledger_correct(entry=entry, amount=payload.amount, note=payload.note, by=user))

    return idempotent_create(request, scope=f"ledger.{entry.pk}.corrections", payload=payload, action=action)


@router.get("/ledger", response={200: LedgerPage, **ERRORS_READ})
def list_ledger(request: HttpRequest, params: Query[LedgerParams]):
    """Every gesture given, oldest first: amount, case, customer, root-cause category, who offered and approved.
    Filters: case, customer, category, location, offered_by, from, to (dates). Corrections are entries too."""
    return id_page(_ledger(request, params), IdPageParams(cursor=params.cursor, limit=params.limit), ledger_out)


CSV_COLUMNS = list(LedgerOut.model_fields)


@router.get("/ledger.csv", response={200: None, **ERRORS_READ})
def export_ledger(request: HttpRequest, params: Query[LedgerParams]):
    """The ledger (same filters) as a CSV file for finance, every matching entry."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for entry in _ledger(request, params).order_by("id").iterator(chunk_size=2000):
        writer.writerow(ledger_out(entry))
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="amends-ledger.csv"'
    return response
