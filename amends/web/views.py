"""Agent pages: thin views that parse input, call one service or selector, and render."""

import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from amends.cases import lifecycle
from amends.cases.enums import CaseStatus, PlaybookStep
from amends.cases.models import Case
from amends.cases.selectors import (
    CaseFilters,
    assignable_people,
    assignable_teams,
    case_get_for_user,
    case_timeline,
    cases_visible_to,
    category_choices,
    colleagues_of,
    inbox_cases,
    open_required_steps,
    paginate_by_due,
    playbook_checklist,
    saved_views_of,
)
from amends.cases.services import (
    case_add_note,
    case_assign,
    case_change_status,
    case_link,
    case_mark_step,
    case_merge,
    case_message_send,
    case_reopen,
    case_resolve,
    case_take_ownership,
    cases_bulk_assign,
    saved_view_delete,
    saved_view_save,
)
from amends.compensation import fairness
from amends.compensation.enums import OfferStatus
from amends.compensation.models import Offer
from amends.compensation.selectors import (
    case_payout,
    catalogue_for,
    offer_get_for_user,
    offer_guidance,
    pending_for_approver,
    similar_gestures,
)
from amends.compensation.services import AlternativeData, offer_decide, offer_make
from amends.core.errors import DomainError, ErrorCode, Forbidden
from amends.core.idempotency import run_idempotent
from amends.core.models import User
from amends.core.selectors import team_by_slug, user_by_username
from amends.customers.selectors import customer_view
from amends.followups.selectors import task_get_for_user, tasks_due_for
from amends.followups.services import case_task_add, case_task_done
from amends.intake.channels.webform.language import in_customer_language
from amends.intake.channels.webform.poster import poster_pdf, poster_svg
from amends.intake.channels.webform.selectors import (
    attachment_get_for_user,
    location_for_staff,
    locations_for_staff,
    public_form_url,
)
from amends.notifications.selectors import notifications_of
from amends.notifications.services import notifications_mark_read
from amends.privacy.selectors import erasures_of, may_manage_privacy
from amends.textsense.services import label_correct

from .case_amends import amends_context, offer_form_error
from .forms import (
    AssignForm,
    DecisionForm,
    InboxFilterForm,
    LanguageForm,
    MessageForm,
    NoteForm,
    OfferForm,
    PosterForm,
    ReasonForm,
    RelatedCaseForm,
    ResolveForm,
    TaskForm,
)
from .inbox import inbox_rows


def current_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    form = InboxFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    view = data.get("view") or "team"  # the form admits only the inbox's views
    filters = CaseFilters(status=data.get("status") or None, severity=data.get("severity") or None)
    user = current_user(request)
    page = paginate_by_due(
        inbox_cases(user, view=view, filters=filters),
        cursor=data.get("cursor") or None,
        limit=settings.AMENDS_PAGE_SIZE,
    )
    tabs = form.fields["view"].choices  # type: ignore[attr-defined]
    context = {
        "form": form,
        "view": view,
        "page": page,
        "rows": inbox_rows(page.items),
        "views": tabs,
        "query": _query(data, view),
    }
    if request.htmx and data.get("cursor"):  # type: ignore[attr-defined]
        return render(request, "web/_inbox_rows.html", context)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "web/_inbox_list.html", context)
    # Only the whole page shows the saved views and the bulk-assign form.
    context |= {
        "saved_views": saved_views_of(user),
        "colleagues": colleagues_of(user),
        "due_tasks": tasks_due_for(user),
    }
    return render(request, "web/inbox.html", context)


@login_required
@require_POST
def inbox_bulk_assign(request: HttpRequest) -> HttpResponse:
    """Give the ticked cases to one colleague (or to yourself)."""
    user = current_user(request)
    ids = [int(value) for value in request.POST.getlist("case") if value.isdigit()]
    username = request.POST.get("owner", "")
    owner = user if not username else User.objects.filter(username=username, is_active=True).first()
    if not ids or owner is None:
        messages.error(request, _("Tick the cases and choose who takes them."))
    else:
        try:
            done, refused = cases_bulk_assign(
                cases=list(cases_visible_to(user).filter(pk__in=ids)), owner=owner, by=user
            )
            if done:
                messages.success(request, _("%(n)d case(s) assigned.") % {"n": done})
            for reason in refused:
                messages.error(request, reason)
        except DomainError as error:
            messages.error(request, error.message)
    return redirect(reverse("web:inbox") + "?" + request.POST.get("query", ""))


@login_required
@require_POST
def inbox_view_save(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    query = request.POST.get("query", "")
    try:
        saved_view_save(user=user, name=request.POST.get("name", ""), query=query)
        messages.success(request, _("View saved."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(reverse("web:inbox") + "?" + query)


@login_required
@require_POST
def inbox_view_delete(request: HttpRequest, view_id: int) -> HttpResponse:
    saved_view_delete(user=current_user(request), view_id=view_id)
    return redirect("web:inbox")


def _query(data: dict, view: str) -> str:
    params = {"view": view, "status": data.get("status") or "", "severity": data.get("severity") or ""}
    return urlencode({key: value for key, value in params.items() if value})


@login_required
@require_GET
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    return _render_case(request, case_id)


def _render_case(
    request: HttpRequest, case_id: int, status: int = 200, outlier: str | None = None, **forms: Form
) -> HttpResponse:
    """The case page; `forms` are the ones that came back with errors, the others are fresh; `outlier` says an
    offer stands out from what similar cases received ("above" or "below")."""
    user = current_user(request)
    case = case_get_for_user(user=user, case_id=case_id)
    owners, teams = assignable_people(case), assignable_teams()
    context = {
        "case": case,
        "timeline": case_timeline(case),
        "feedback": case.feedback.select_related("interaction", "text_sense")
        .prefetch_related("attachments")
        .order_by("occurred_at"),
        "categories": category_choices(),
        "other_cases": case.customer.cases.exclude(pk=case.pk).order_by("-created_at")[:10],
        "playbook": playbook_checklist(case),
        "open_steps": open_required_steps(case),
        "moves": [CaseStatus(status) for status in sorted(lifecycle.MOVES.get(case.status, ()))],
        "case_messages": case.messages.select_related("author"),
        "note_form": forms.get("note_form") or NoteForm(),
        "resolve_form": forms.get("resolve_form") or ResolveForm(current_category=case.category),
        "message_form": forms.get("message_form")
        or MessageForm(prefix="message", initial={"language": case.customer.language, "template": _next_step(case)}),
        "assign_form": forms.get("assign_form")
        or AssignForm(owners=owners, teams=teams, initial={"team": case.team.slug if case.team else ""}),
        "reason_form": forms.get("reason_form") or ReasonForm(),
        "related_form": forms.get("related_form") or RelatedCaseForm(),
        "can_override": user.supervises,
        "outlier": outlier,
        **amends_context(case, user, forms),
    }
    return render(request, "web/case.html", context, status=status)


def _next_step(case: Case) -> str:
    """The first playbook step not done yet: what the composer proposes."""
    return next((step.value for step in PlaybookStep if step.value not in case.checklist), "")


def _form_error(form: Form, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@login_required
@require_POST
def case_take(request: HttpRequest, case_id: int) -> HttpResponse:
    user = current_user(request)
    case = case_get_for_user(user=user, case_id=case_id)
    try:
        case_take_ownership(case=case, by=user)
        messages.success(request, _("You own this case now."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("web:case", case_id=case_id)


@login_required
@require_POST
def case_note(request: HttpRequest, case_id: int) -> HttpResponse:
    user = current_user(request)
    case = case_get_for_user(user=user, case_id=case_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            case_add_note(case=case, body=form.cleaned_data["body"], by=user)
            messages.success(request, _("Note added."))
            return redirect("web:case", case_id=case_id)
        except DomainError as error:
            _form_error(form, error)
    return _render_case(request, case_id, status=422, note_form=form)


@login_required
@require_POST
def case_resolve_view(request: HttpRequest, case_id: int) -> HttpResponse:
    user = current_user(request)
    case = case_get_for_user(user=user, case_id=case_id)
    form = ResolveForm(request.POST, current_category=case.category)
    if form.is_valid():
        try:
            case_resolve(
                case=case,
                category=form.cleaned_data["category"],
                resolution=form.cleaned_data["resolution"],
                by=user,
                override_reason=form.cleaned_data["override_reason"],
            )
            messages.success(request, _("Case resolved. Thank you for making it right."))
            return redirect("web:case", case_id=case_id)
        except DomainError as error:
            _form_error(form, error)
    return _render_case(request, case_id, status=422, resolve_form=form)


@login_required
@require_POST
def case_status_view(request: HttpRequest, case_id: int) -> HttpResponse:
    user = current_user(request)
    case = case_get_for_user(user=user, case_id=case_id)
    form = ReasonForm(request.POST)
    status = request.POST.get("status", "")
    if status != "reopen" and status not in CaseStatus.values:
        form.add_error(None, _("Choose what happens to the case."))
    elif form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            if status == "reopen":
                case_reopen(case=case, reason=reason, by=user)
            else:
                case_change_status(case=case, status=status, reason=reason, by=user)
            return redirect("web:case", case_id=case_id)
        except DomainError as error:
            _form_error(form, error)
    return _render_case(request, case_id, status=422, reason_form=form)


@login_required
@require_POST
def case_assign_view(request: HttpRequest, case_id: int) -> HttpResponse:
    user = current_user(request)
    case = case_get_for_user(user=user, case_id=case_id)
    form = AssignForm(request.POST, owners=assignable_people(case), teams=assignable_teams())
    if form.is_valid():
        data = form.cleaned_data
        try:
            owner = user_by_username(data["owner"]) if data["owner"] else None
            team = team_by_slug(data["team"] or None)
            case_assign(case=case, owner=owner, team=team, reason=data["reason"], by=user)
            messages.success(request, _("The case changed hands."))
            return redirect("web:case", case_id=case_id)
        except DomainError as error:
            _form_error(form, error)
    return _render_case(request, case_id, status=422, assign_form=form)


@login_required
@require_POST
def case_step_view(request: HttpRequest, case_id: int) -> HttpResponse:
    user = current_user(request)
    case = case_get_for_user(user=user, case_id=case_id)
    try:
        case_mark_step(case=case, step=request.POST.get("step", ""), done=request.POST.get("done") == "1", by=user)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(reverse("web:case", args=[case_id]) + "#playbook")


@login_required
@require_POST
def case_message_view(request: HttpRequest, case_id: int) -> HttpResponse:
    user = current_user(request)
    case = case_get_for_user(user=user, case_id=case_id)
    form = MessageForm(request.POST, prefix="message")
    if form.is_valid():
        data = form.cleaned_data
        try:
            case_message_send(
                case=case,
                by=user,
                template=data["template"],
                subject=data["subject"],
                body=data["body"],
                language=data["language"],
            )
            messages.success(request, _("Message sent to the customer."))
            return redirect("web:case", case_id=case_id)
        except DomainError as error:
            _form_error(form, error)
    return _render_case(request, case_id, status=422, message_form=form)


@login_required
@require_POST
def case_relate_view(request: HttpRequest, case_id: int, how: str) -> HttpResponse:
    """Merge this case into another one (`how` = merge) or link the two (`how` = link)."""
    user = current_user(request)
    case = case_get_for_user(user=user, case_id=case_id)
    form = RelatedCaseForm(request.POST)
    if form.is_valid():
        try:
            other = case_get_for_user(user=user, case_id=form.cleaned_data["other"])
            if how == "merge":
                kept = case_merge(duplicate=case, into=other, by=user)
                messages.success(request, _("Merged: the case continues here."))
                return redirect("web:case", case_id=kept.pk)
            case_link(case=case, other=other, by=user)
            messages.success(request, _("The cases are linked."))
            return redirect("web:case", case_id=case_id)
        except DomainError as error:
            form.add_error("other", error.message)
    return _render_case(request, case_id, status=422, related_form=form)


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    """The user's notifications, newest first; seeing them marks them read."""
    user = current_user(request)
    notifications = list(notifications_of(user))
    response = render(request, "web/notifications.html", {"notifications": notifications})
    notifications_mark_read(user=user)
    return response


@login_required
@require_GET
def customer_detail(request: HttpRequest, external_id: str) -> HttpResponse:
    user = current_user(request)
    view = customer_view(user=user, external_id=external_id)
    admin = may_manage_privacy(user)
    erasures = erasures_of(view.customer) if admin else []
    return render(request, "web/customer.html", {"view": view, "may_manage_privacy": admin, "erasures": erasures})


@login_required
@require_POST
def language_update(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = LanguageForm(request.POST)
    if form.is_valid():
        user.language = form.cleaned_data["language"]
        user.save(update_fields=["language"])
    next_url = request.POST.get("next") or reverse("web:inbox")
    if not next_url.startswith("/") or next_url.startswith("//"):
        next_url = reverse("web:inbox")
    response = HttpResponseRedirect(next_url)
    response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
    return response


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@login_required
@require_GET
def location_list(request: HttpRequest) -> HttpResponse:
    return render(request, "web/locations.html", {"locations": locations_for_staff(current_user(request))})


@login_required
@require_GET
def location_detail(request: HttpRequest, code: str) -> HttpResponse:
    location = location_for_staff(user=current_user(request), code=code)
    form = PosterForm(initial={"size": "a4", "lang": get_language()})
    context = {"location": location, "public_url": public_form_url(location), "form": form}
    return render(request, "web/location.html", context)


@login_required
@require_GET
def location_poster(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    location = location_for_staff(user=current_user(request), code=code)
    form = PosterForm({"size": request.GET.get("size") or "a4", "lang": request.GET.get("lang") or get_language()})
    if not form.is_valid():
        return HttpResponseBadRequest(_("Choose a size (a4 or a5) and a language."))
    size, language = form.cleaned_data["size"], form.cleaned_data["lang"]
    draw, content_type = (poster_pdf, "application/pdf") if kind == "pdf" else (poster_svg, "image/svg+xml")
    body = draw(location, url=public_form_url(location), language=language, size=size)
    response = HttpResponse(body, content_type=content_type)
    disposition = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="poster-{location.code}-{size}-{language}.{kind}"'
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


INLINE_ATTACHMENT_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif"}


@login_required
@require_GET
def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    attachment = attachment_get_for_user(user=current_user(request), attachment_id=attachment_id)
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    # Photos show in the page; anything else (another channel's files) is downloaded, never rendered on our origin.
    disposition = "inline" if attachment.content_type in INLINE_ATTACHMENT_TYPES else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{(attachment.file.name or "").rsplit("/", 1)[-1]}"'
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_POST
def feedback_label(request: HttpRequest, case_id: int, feedback_id: int) -> HttpResponse:
    """An agent corrects what the text model read in a comment on this case; the business's model learns from it."""
    user = current_user(request)
    case = case_get_for_user(user=user, case_id=case_id)
    feedback = get_object_or_404(case.feedback, pk=feedback_id)
    try:
        label_correct(
            feedback=feedback, field=request.POST.get("field", ""), value=request.POST.get("value", ""), by=user
        )
        messages.success(request, _("Thank you: the text model learns from your correction."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("web:case", case_id=case_id)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without a valid CSRF token (an old tab, cookies blocked): say what to do, in the reader's
    language (staff: their own; customers: as on the public pages), instead of Django's technical page."""
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        return render(request, "web/csrf_failure.html", status=403)
    return in_customer_language(lambda req: render(req, "web/csrf_failure.html", status=403))(request)


# --- Making amends and following up ---------------------------------------------------------------------------


@login_required
@require_POST
def case_offer(request: HttpRequest, case_id: int) -> HttpResponse:
    user = current_user(request)
    case = case_get_for_user(user=user, case_id=case_id)
    form = OfferForm(request.POST, catalogue=list(catalogue_for(case)))
    if form.is_valid():
        chosen = form.alternatives()
        if not form.errors:
            exposure = max(amount for _kind, amount, _currency, _text in chosen)
            stands_out = fairness.outlier(exposure, similar_gestures(case))
            if stands_out and not form.cleaned_data["confirm_outlier"]:
                return _render_case(request, case_id, status=422, offer_form=form, outlier=stands_out)
            reason = form.cleaned_data["reason"]

            def make() -> tuple[int, dict]:
                offer = offer_make(
                    case=case, alternatives=[AlternativeData(*row) for row in chosen], reason=reason, by=user
                )
                return 201, {"offer": offer.pk, "status": offer.status}

            try:
                _status, made = run_idempotent(
                    user=user, scope=f"web.cases.{case.pk}.offers", key=form.cleaned_data["submit_key"] or None,
                    payload={"alternatives": chosen, "reason": reason}, action=make,
                )  # fmt: skip
            except DomainError as error:
                if error.code != ErrorCode.IDEMPOTENCY_KEY_REUSED:
                    offer_form_error(form, error)
                else:  # the form was sent before and changed since: sending it again is a new, deliberate offer
                    form = _fresh_offer_form(request, case)
                    form.add_error(None, _("This form was already sent. Check the offers above, then send it again "
                                           "to make another offer."))  # fmt: skip
            else:
                if made["status"] == OfferStatus.PENDING_APPROVAL:
                    messages.success(request, _("Above your spending authority: the offer waits for approval."))
                else:
                    messages.success(request, _("Offered: the customer has the link to choose."))
                return redirect("web:case", case_id=case_id)
    return _render_case(request, case_id, status=422, offer_form=form)


def _fresh_offer_form(request: HttpRequest, case: Case) -> OfferForm:
    """The sent values under a new one-time key."""
    data = request.POST.copy()
    data["submit_key"] = secrets.token_urlsafe(16)
    form = OfferForm(data, catalogue=list(catalogue_for(case)))
    form.is_valid()
    return form


def _approval_row(offer: Offer, form: DecisionForm) -> tuple:
    """An offer to decide with what the approver weighs: fairness, and the case's other live offers and gestures."""
    return offer, form, offer_guidance(offer.case, offer.currency), case_payout(offer.case, offer.currency,
                                                                                besides=offer)  # fmt: skip


@login_required
@require_GET
def approvals(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    pending = list(pending_for_approver(user)[:100])
    rows = [_approval_row(offer, DecisionForm(prefix=f"o{offer.pk}")) for offer in pending]
    return render(request, "web/approvals.html", {"rows": rows})


@login_required
@require_POST
def offer_decision(request: HttpRequest, offer_id: int) -> HttpResponse:
    user = current_user(request)
    offer = offer_get_for_user(user, offer_id)
    form = DecisionForm(request.POST, prefix=f"o{offer.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            offer_decide(offer=offer, decision=data["decision"], amount=data["amount"], comment=data["comment"],
                         by=user)  # fmt: skip
            messages.success(request, _("Decision recorded on case #%(id)s.") % {"id": offer.case_id})
            return redirect("web:approvals")
        except Forbidden:
            raise  # not theirs to decide (their own offer, or it waits for another role): a 403, not a form error
        except DomainError as error:
            _form_error(form, error)
    return render(request, "web/approvals.html", {"rows": [_approval_row(offer, form)]}, status=422)


@login_required
@require_POST
def case_task(request: HttpRequest, case_id: int) -> HttpResponse:
    user = current_user(request)
    case = case_get_for_user(user=user, case_id=case_id)
    form = TaskForm(request.POST)
    if form.is_valid():
        try:
            case_task_add(case=case, due_at=form.cleaned_data["due_at"], note=form.cleaned_data["note"], by=user)
            messages.success(request, _("Follow-up task scheduled."))
            return redirect("web:case", case_id=case_id)
        except DomainError as error:
            _form_error(form, error)
    return _render_case(request, case_id, status=422, task_form=form)


@login_required
@require_POST
def task_done(request: HttpRequest, task_id: int) -> HttpResponse:
    user = current_user(request)
    task = case_task_done(task=task_get_for_user(user=user, task_id=task_id), by=user)
    messages.success(request, _("Done."))
    if request.POST.get("next") == "inbox":
        return redirect("web:inbox")
    return redirect("web:case", case_id=task.case_id)
