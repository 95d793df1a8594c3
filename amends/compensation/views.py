"""The customer's page behind an offer link: no login, their language, one choice."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.http import require_http_methods

from amends.core.errors import DomainError, ErrorCode
from amends.intake.channels.webform.spam import client_ip, rate_limit_hit

from .enums import OfferStatus
from .models import Offer
from .selectors import offer_by_token
from .services import offer_choose

TEMPLATE = "compensation/choose.html"
RATE_LIMIT = 30  # page views and choices per address and 10 minutes: enough for a family, too few to guess


@require_http_methods(["GET", "POST"])
def choose(request: HttpRequest, token: str) -> HttpResponse:
    if not rate_limit_hit(f"offer:{client_ip(request)}", limit=RATE_LIMIT):
        return render(request, TEMPLATE, {"closed": "rate_limited"}, status=429)
    offer = offer_by_token(token)
    if offer is None:
        return render(request, TEMPLATE, {"closed": "unknown"}, status=404)
    with translation.override(offer.case.customer.language):
        context = {
            "offer": offer,
            "alternatives": list(offer.alternatives.all()),
            "customer": offer.case.customer,
            "location": offer.case.location,  # the header names the place
        }
        if request.method == "POST" and offer.status in (OfferStatus.OFFERED, OfferStatus.CHOSEN):
            return _choose(request, offer, context)
        if offer.status == OfferStatus.CHOSEN:
            return render(request, TEMPLATE, {**context, "entry": offer.ledger_entries.order_by("id").first()})
        expired = offer.expires_at is not None and offer.expires_at <= timezone.now()
        if offer.status != OfferStatus.OFFERED or expired:
            return render(request, TEMPLATE, {**context, "closed": "expired"}, status=410)
        return render(request, TEMPLATE, context)


def _choose(request: HttpRequest, offer: Offer, context: dict) -> HttpResponse:
    try:
        entry = offer_choose(offer=offer, position=int(request.POST.get("choice", "")))
    except ValueError:
        return render(request, TEMPLATE, {**context, "error": True}, status=422)
    except DomainError as error:
        if error.field == "choice":
            return render(request, TEMPLATE, {**context, "error": True}, status=422)
        if error.code == ErrorCode.TOKEN_USED:  # a second, different choice: the first one stands
            first = offer.ledger_entries.order_by("id").first()
            return render(request, TEMPLATE, {**context, "entry": first, "already": True}, status=409)
        return render(request, TEMPLATE, {**context, "closed": "expired"}, status=error.status)
    return render(request, TEMPLATE, {**context, "entry": entry})
