"""The admin's privacy buttons on the customer page: export everything as JSON, erase after a confirmation."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from amends.core.errors import DomainError
from amends.privacy.enums import ErasureVia
from amends.privacy.selectors import customer_export_json, customer_for_privacy
from amends.privacy.services import MAX_REASON_LENGTH, customer_erase

from .views import current_user


class EraseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason (kept on the audit trail)"),
        max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("I understand that this cannot be undone."),
        error_messages={"required": gettext_lazy("Tick the box to confirm the erasure.")},
    )


@login_required
@require_GET
def customer_export_download(request: HttpRequest, external_id: str) -> HttpResponse:
    customer = customer_for_privacy(user=current_user(request), external_id=external_id)
    response = HttpResponse(customer_export_json(customer), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="customer-{customer.pk}.json"'
    response["Cache-Control"] = "no-store"  # personal data: not kept by browsers or proxies
    return response


@login_required
@require_http_methods(["GET", "POST"])
def customer_erase_view(request: HttpRequest, external_id: str) -> HttpResponse:
    user = current_user(request)
    customer = customer_for_privacy(user=user, external_id=external_id)
    form = EraseForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            record = customer_erase(customer=customer, by=user, reason=form.cleaned_data["reason"], via=ErasureVia.PAGE)
        except DomainError as error:
            form.add_error("reason" if error.field == "reason" else None, error.message)
        else:
            messages.success(request, _("The customer's personal data was erased."))
            return redirect("web:customer", external_id=record.pseudonym)
    status = 422 if form.is_bound else 200
    return render(request, "web/customer_erase.html", {"customer": customer, "form": form}, status=status)
