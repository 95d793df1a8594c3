"""The customer's follow-up page behind the link: no login, their language, single use, rate-limited."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_http_methods

from amends.core.errors import DomainError, NotFound
from amends.intake.channels.webform.spam import client_ip, rate_limit_hit

from .forms import FollowUpForm
from .rules import Answer
from .services import SCORES, follow_up_answer, follow_up_by_token

RATE_LIMIT = 30  # views and answers per address and 10 minutes


@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    if not rate_limit_hit(f"follow-up:{client_ip(request)}", limit=RATE_LIMIT):
        return render(request, "followups/closed.html", {"reason": "rate_limited"}, status=429)
    try:
        follow_up = follow_up_by_token(token)
    except NotFound:
        return render(request, "followups/closed.html", {"reason": "unknown"}, status=404)
    except DomainError as error:
        return render(request, "followups/closed.html", {"reason": error.code}, status=410)
    with translation.override(follow_up.language):
        form = FollowUpForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                follow_up_answer(
                    raw_token=token,
                    answer=Answer(**{name: data.get(name) for name in SCORES}),  # type: ignore[arg-type]
                    comment=data.get("comment") or "",
                )
            except DomainError as error:
                return render(request, "followups/closed.html", {"reason": error.code}, status=410)
            return render(request, "followups/thanks.html", {"location": follow_up.case.location})
        status = 422 if request.method == "POST" else 200
        context = {"follow_up": follow_up, "form": form, "location": follow_up.case.location}
        return render(request, "followups/answer.html", context, status=status)
