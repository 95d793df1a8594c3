"""The silent-unhappy worklist: customers at risk, each one click away from a proactive case."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from amends.cases.services import case_open_proactive
from amends.core.models import User

from .at_risk import REASON_LABELS, RiskReason
from .at_risk_selectors import at_risk_for_user

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
@require_GET
def at_risk_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(at_risk_for_user(_user(request)), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "intake/at_risk.html", {"page": page, "entries": page.object_list, "labels": REASON_LABELS})


@login_required
@require_POST
def at_risk_reach_out(request: HttpRequest, external_id: str) -> HttpResponse:
    """Open the proactive case, if this customer is still on the user's list (the gate and the reason in one)."""
    user = _user(request)
    entry = next(iter(at_risk_for_user(user, customer=external_id)), None)
    if entry is None:
        raise Http404(_("This customer is not on your at-risk list."))
    case = case_open_proactive(
        customer=entry.customer, location=entry.location, reason=entry.reason.value,
        summary=str(REASON_LABELS[RiskReason(entry.reason)]), by=user,
    )  # fmt: skip
    messages.success(request, _("Proactive case opened. Reach out to the customer now."))
    return redirect("web:case", case_id=case.pk)
