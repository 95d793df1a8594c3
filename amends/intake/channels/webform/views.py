"""The public complaint form: no login, the customer's language, bots turned away quietly."""

import uuid
from urllib.parse import urlencode

from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from amends.core.models import Location
from amends.intake.services import AttachmentInput, WebComplaint, webform_complaint_submit

from .forms import PHOTO_EXTENSIONS, ComplaintForm, UploadSizeLimit
from .language import LANGUAGE_PARAM, in_customer_language, supported_languages
from .selectors import public_location
from .spam import RATE_WINDOW_SECONDS, client_ip, rate_limit_hit, rate_limit_key

REFERENCE_SALT = "amends.webform.reference"


@csrf_exempt  # only so that the upload limit is in place before the body is read: _complaint checks the CSRF token
def complaint(request: HttpRequest, code: str) -> HttpResponse:
    if request.method == "POST":
        request.upload_handlers.insert(0, UploadSizeLimit(request))
    return _complaint(request, code)


@csrf_protect
@require_http_methods(["GET", "POST"])
@never_cache
@in_customer_language
def _complaint(request: HttpRequest, code: str) -> HttpResponse:
    location = public_location(code)
    if location is None:
        return public_render(request, "intake/webform/not_found.html", {}, status=404)
    if request.method != "POST":
        return render_form(request, location, ComplaintForm(location_code=location.code))
    if not rate_limit_hit(rate_limit_key(ip=client_ip(request), location_code=location.code)):
        response = public_render(request, "intake/webform/rate_limited.html", {"location": location}, status=429)
        response.headers["Retry-After"] = str(RATE_WINDOW_SECONDS)
        return response
    form = ComplaintForm(
        request.POST,
        request.FILES,
        location_code=location.code,
        photo_too_large=getattr(request, "upload_too_large", False),
    )
    if form.is_bot():
        return HttpResponseRedirect(thanks_url(location, case_id=None))  # pretend success, store nothing
    if not form.is_valid():
        return render_form(request, location, form, status=422)
    _feedback, case = webform_complaint_submit(web_complaint(form, location))
    return HttpResponseRedirect(thanks_url(location, case_id=case.pk if case else None))


@require_GET
@never_cache
@in_customer_language
def complaint_thanks(request: HttpRequest, code: str) -> HttpResponse:
    location = public_location(code)
    if location is None:
        return public_render(request, "intake/webform/not_found.html", {}, status=404)
    reference = reference_read(request.GET.get("ref", ""), location_code=location.code)
    return public_render(request, "intake/webform/thanks.html", {"location": location, "reference": reference})


def render_form(request: HttpRequest, location: Location, form: ComplaintForm, status: int = 200) -> HttpResponse:
    context = {
        "location": location,
        "form": form,
        "stamp": form.stamp_for_page(),
        "action": f"{reverse('webform:complaint', kwargs={'code': location.code})}?{LANGUAGE_PARAM}={get_language()}",
    }
    return public_render(request, "intake/webform/form.html", context, status=status)


def public_render(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    current = get_language()
    links = []
    for code in supported_languages():
        params = {key: value for key, value in request.GET.items() if key != LANGUAGE_PARAM}
        params[LANGUAGE_PARAM] = code
        links.append({"code": code, "url": f"{request.path}?{urlencode(params)}", "current": code == current})
    return render(request, template, {**context, "language_links": links}, status=status)


def web_complaint(form: ComplaintForm, location: Location) -> WebComplaint:
    data = form.cleaned_data
    photo = None
    if data.get("photo") and form.photo_type:
        photo = AttachmentInput(
            name=f"{uuid.uuid4().hex}.{PHOTO_EXTENSIONS[form.photo_type]}",
            content=data["photo"],
            content_type=form.photo_type,
            size=data["photo"].size,
        )
    assert form.stamp_value is not None  # a valid form has a good stamp
    return WebComplaint(
        location_code=location.code,
        text=data["text"],
        name=data["name"],
        email=data["email"],
        phone=data.get("phone") or "",
        csat=data.get("csat"),
        language=get_language(),
        token=form.stamp_value.nonce,
        contact_consent=bool(data.get("consent")),
        photo=photo,
    )


def thanks_url(location: Location, *, case_id: int | None) -> str:
    params = {LANGUAGE_PARAM: get_language()}
    if case_id is not None:
        params["ref"] = signing.dumps({"c": case_id, "l": location.code}, salt=REFERENCE_SALT)
    return f"{reverse('webform:thanks', kwargs={'code': location.code})}?{urlencode(params)}"


def reference_read(value: str, *, location_code: str) -> int | None:
    """The case number to show, only when we signed it for this location (nobody can make us show another)."""
    try:
        data = signing.loads(value, salt=REFERENCE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("l") != location_code or not isinstance(data.get("c"), int):
        return None
    return int(data["c"])
