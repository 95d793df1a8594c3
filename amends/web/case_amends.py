"""What the case page shows for making amends and following up: offers, fairness guidance, follow-up, tasks."""

from datetime import timedelta

from django.forms import Form
from django.utils import timezone

from amends.cases.models import Case
from amends.compensation.enums import OfferStatus
from amends.compensation.selectors import authority_of, case_payout, catalogue_for, offer_guidance
from amends.compensation.services import choice_url
from amends.core.errors import DomainError
from amends.core.models import User
from amends.followups.selectors import latest_follow_up, tasks_of_case

from .forms import OfferForm, TaskForm


def amends_context(case: Case, user: User, forms: dict[str, Form]) -> dict:
    """What the case page shows for gestures and follow-up; `forms` are the ones that came back with errors."""
    offers = list(case.offers.select_related("offered_by", "approved_by").prefetch_related("alternatives"))
    tomorrow = timezone.localtime() + timedelta(days=1)
    return {
        "guidance": offer_guidance(case),
        "authority": authority_of(user),
        "payout": case_payout(case),
        "offers": [(offer, choice_url(offer) if offer.status == OfferStatus.OFFERED else "") for offer in offers],
        "offer_form": forms.get("offer_form") or OfferForm(catalogue=list(catalogue_for(case))),
        "follow_up": latest_follow_up(case),
        "tasks": tasks_of_case(case),
        "task_form": forms.get("task_form") or TaskForm(initial={"due_at": tomorrow.replace(minute=0, second=0)}),
    }


def offer_form_error(form: Form, error: DomainError) -> None:
    """Put a service error on the row it is about: `alternatives.1.amount` is the second row's amount."""
    field = (error.field or "").replace("alternatives.", "").split(".")
    name = f"{field[1]}_{int(field[0]) + 1}" if len(field) == 2 and field[0].isdigit() else field[0]
    form.add_error(name if name in form.fields else None, error.message)
