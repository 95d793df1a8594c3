"""The supervisors' incident pages: declare, preview the cohort, announce, follow the send, post updates."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from amends.core.errors import DomainError, ErrorCode
from amends.incidents.enums import IncidentStatus, NoticeStatus
from amends.incidents.models import Incident
from amends.incidents.selectors import incident_get_for_user, incident_preview, incidents_for, update_progress
from amends.incidents.services import Cohort, incident_announce, incident_create, incident_post_update

from .forms import IncidentForm, IncidentMessagesForm, IncidentSendForm, IncidentUpdateForm
from .views import current_user

# Where a service's error field shows on the form.
FORM_FIELDS = {"cohort.location": "location", "cohort.to": "occurred_to", "cohort.attributes": "attributes",
               "message": None, "cohort": None}  # fmt: skip


def _form_error(form: IncidentMessagesForm, error: DomainError) -> None:
    field = error.field or ""
    if field.startswith("message."):
        field = f"message_{field.removeprefix('message.')}"
    field = FORM_FIELDS.get(field, field) or ""
    form.add_error(field if field in form.fields else None, error.message)


@login_required
@require_GET
def incident_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(incidents_for(current_user(request)), 25).get_page(request.GET.get("page"))
    return render(request, "web/incidents.html", {"page": page, "form": IncidentForm()})


@login_required
@require_POST
def incident_declare(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = IncidentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        cohort = Cohort(data["location"].code if data["location"] else None, data["occurred_from"],
                        data["occurred_to"], data["attributes"])  # fmt: skip
        try:
            incident = incident_create(title=data["title"], cohort=cohort, messages=form.messages_by_language(),
                                       gesture=data["gesture"], by=user)  # fmt: skip
            messages.success(request, _("Incident saved as a draft. Check the preview, then send it."))
            return redirect("web:incident", incident_id=incident.pk)
        except DomainError as error:
            _form_error(form, error)
    page = Paginator(incidents_for(user), 25).get_page(1)
    return render(request, "web/incidents.html", {"page": page, "form": form}, status=422)


@login_required
@require_GET
def incident_detail(request: HttpRequest, incident_id: int) -> HttpResponse:
    return _render_incident(request, incident_get_for_user(current_user(request), incident_id))


def _render_incident(
    request: HttpRequest,
    incident: Incident,
    *,
    form: IncidentUpdateForm | None = None,
    status: int = 200,
    confirm: dict | None = None,
    preview: dict | None = None,
) -> HttpResponse:
    """The incident page; `confirm` (the chosen cost, whether it includes those without an address, an error) shows
    the confirmation step of sending instead of the send button."""
    updates = [(update, update_progress(update)) for update in incident.updates.all()]
    in_flight = any(p[NoticeStatus.QUEUED] or p[NoticeStatus.SENDING] for _u, p in updates)
    if preview is None and incident.status == IncidentStatus.DRAFT:
        preview = incident_preview(incident)
    context = {
        "incident": incident,
        "updates": updates,
        "in_flight": in_flight and incident.status != IncidentStatus.DRAFT,
        "preview": preview,
        "confirm": confirm,
        "cases": incident.cases.select_related("case").order_by("case_id"),
        "form": form or IncidentUpdateForm(),
    }
    partial = request.htmx and request.GET.get("part") == "progress"  # type: ignore[attr-defined]
    template = "web/_incident_progress.html" if partial else "web/incident.html"
    return render(request, template, context, status=status)


@login_required
@require_POST
def incident_send(request: HttpRequest, incident_id: int) -> HttpResponse:
    """Send; with a gesture that costs anything, first a confirmation step that names the total."""
    user = current_user(request)
    incident = incident_get_for_user(user, incident_id)
    form = IncidentSendForm(request.POST)
    form.is_valid()  # every field is optional; a malformed total counts as none
    include = bool(form.cleaned_data.get("include_without_email"))
    confirm_total = form.cleaned_data.get("confirm_total")
    preview = incident_preview(incident) if incident.status == IncidentStatus.DRAFT else None
    cost = preview["cost"]["everyone" if include else "with_email"] if preview and preview["cost"] else None
    if cost is not None and cost.total > 0:
        step = {"cost": cost, "include": include, "error": ""}
        if confirm_total is None:
            return _render_incident(request, incident, confirm=step, preview=preview)
        if not form.cleaned_data.get("confirmed"):
            step["error"] = _("Tick the box to confirm the total.")
            return _render_incident(request, incident, confirm=step, preview=preview, status=422)
    try:
        update = incident_announce(incident=incident, by=user, confirm_total=confirm_total,
                                   include_without_email=include)  # fmt: skip
    except DomainError as error:
        if error.code == ErrorCode.CONFIRMATION_REQUIRED and cost is not None:  # the cohort changed meanwhile
            step = {"cost": cost, "include": include, "error": error.message}
            return _render_incident(request, incident, confirm=step, preview=preview, status=422)
        messages.error(request, error.message)
        return redirect("web:incident", incident_id=incident.pk)
    messages.success(request, _("Sending to %(count)s customers.") % {"count": update.recipients})
    return redirect("web:incident", incident_id=incident.pk)


@login_required
@require_POST
def incident_update(request: HttpRequest, incident_id: int) -> HttpResponse:
    user = current_user(request)
    incident = incident_get_for_user(user, incident_id)
    form = IncidentUpdateForm(request.POST)
    if form.is_valid():
        try:
            incident_post_update(incident=incident, messages=form.messages_by_language(),
                                 resolved=form.cleaned_data["resolved"], by=user)  # fmt: skip
            messages.success(request, _("Update queued for the same customers."))
            return redirect("web:incident", incident_id=incident.pk)
        except DomainError as error:
            _form_error(form, error)
    return _render_incident(request, incident, form=form, status=422)
