"""The public survey page behind an invitation link: no login, the customer's language, single use, rate-limited."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_http_methods

from amends.core.errors import DomainError, NotFound
from amends.core.ratelimit import DEFAULT_WINDOW_SECONDS, client_ip, rate_limit_hit, seconds_left_in_window
from amends.intake.detection import Scores

from .forms import AnswerForm, ServqualForm
from .models import Invitation, Survey
from .services import invitation_by_token, servqual_answer, survey_answer

RATE_LIMIT = 30  # views and answers per address and 10 minutes, as on the offer and follow-up pages


@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    if not rate_limit_hit(f"survey:{client_ip(request)}", limit=RATE_LIMIT):
        response = render(request, "surveys/closed.html", {"reason": "rate_limited"}, status=429)
        response["Retry-After"] = str(seconds_left_in_window(DEFAULT_WINDOW_SECONDS))
        return response
    try:
        invitation = invitation_by_token(token)
    except NotFound:
        return render(request, "surveys/closed.html", {"reason": "unknown"}, status=404)
    except DomainError as error:
        return render(request, "surveys/closed.html", {"reason": error.code}, status=410)
    if invitation.survey.instrument == Survey.Instrument.SERVQUAL:
        return _servqual(request, token, invitation)
    with translation.override(invitation.language):
        form = AnswerForm(request.POST or None, survey=invitation.survey)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                survey_answer(
                    raw_token=token,
                    scores=Scores(**{name: data.get(name) for name in ("csat", "nps", "ces", "repurchase")}),
                    text=data.get("text") or "",
                )
            except DomainError as error:
                return render(request, "surveys/closed.html", {"reason": error.code}, status=410)
            return render(request, "surveys/thanks.html", {"invitation": invitation})
        status = 422 if request.method == "POST" else 200
        context = {"invitation": invitation, "form": form, "LANGUAGE_CODE": invitation.language}
        return render(request, "surveys/answer.html", context, status=status)


def _servqual(request: HttpRequest, token: str, invitation: Invitation) -> HttpResponse:
    with translation.override(invitation.language):
        form = ServqualForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            expectations, perceptions, importance = form.answer()
            try:
                servqual_answer(raw_token=token, expectations=expectations, perceptions=perceptions,
                                importance=importance)  # fmt: skip
            except DomainError as error:
                return render(request, "surveys/closed.html", {"reason": error.code}, status=410)
            return render(request, "surveys/thanks.html", {"invitation": invitation})
        status = 422 if request.method == "POST" else 200
        context = {"invitation": invitation, "form": form, "LANGUAGE_CODE": invitation.language}
        return render(request, "surveys/servqual.html", context, status=status)
