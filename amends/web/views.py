"""Agent pages: thin views that parse input, call one service or selector, and render."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from amends.cases.selectors import (
    CaseFilters,
    case_get_for_user,
    case_timeline,
    inbox_cases,
    paginate_by_due,
)
from amends.cases.services import case_add_note, case_resolve, case_take_ownership
from amends.core.errors import DomainError
from amends.core.models import User
from amends.intake.channels.webform.poster import poster_pdf, poster_svg
from amends.intake.channels.webform.selectors import (
    attachment_get_for_user,
    location_for_staff,
    locations_for_staff,
    public_form_url,
)
from amends.textsense.services import label_correct

from .forms import CATEGORY_CHOICES, InboxFilterForm, LanguageForm, NoteForm, PosterForm, ResolveForm


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
    context = {"form": form, "view": view, "page": page, "views": tabs, "query": _query(data, view)}
    if request.htmx and data.get("cursor"):  # type: ignore[attr-defined]
        return render(request, "web/_inbox_rows.html", context)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "web/_inbox_list.html", context)
    return render(request, "web/inbox.html", context)


def _query(data: dict, view: str) -> str:
    params = {"view": view, "status": data.get("status") or "", "severity": data.get("severity") or ""}
    return urlencode({key: value for key, value in params.items() if value})


@login_required
@require_GET
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    return _render_case(request, case_id, NoteForm(), ResolveForm())


def _render_case(
    request: HttpRequest, case_id: int, note_form: NoteForm, resolve_form: ResolveForm, status: int = 200
) -> HttpResponse:
    case = case_get_for_user(user=current_user(request), case_id=case_id)
    context = {
        "case": case,
        "timeline": case_timeline(case),
        "feedback": case.feedback.select_related("interaction", "text_sense")
        .prefetch_related("attachments")
        .order_by("occurred_at"),
        "categories": CATEGORY_CHOICES,
        "other_cases": case.customer.cases.exclude(pk=case.pk).order_by("-created_at")[:10],
        "note_form": note_form,
        "resolve_form": resolve_form,
    }
    return render(request, "web/case.html", context, status=status)


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
            form.add_error(error.field if error.field in form.fields else None, error.message)
    return _render_case(request, case_id, form, ResolveForm(), status=422)


@login_required
@require_POST
def case_resolve_view(request: HttpRequest, case_id: int) -> HttpResponse:
    user = current_user(request)
    case = case_get_for_user(user=user, case_id=case_id)
    form = ResolveForm(request.POST)
    if form.is_valid():
        try:
            case_resolve(
                case=case,
                category=form.cleaned_data["category"],
                resolution=form.cleaned_data["resolution"],
                by=user,
            )
            messages.success(request, _("Case resolved. Thank you for making it right."))
            return redirect("web:case", case_id=case_id)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
    return _render_case(request, case_id, NoteForm(), form, status=422)


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
