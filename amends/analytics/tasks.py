from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from amends.core.enums import Role
from amends.core.models import User
from amends.core.selectors import supervisors_of
from amends.notifications.services import notify

from .control import LocationChart, control_charts
from .filters import Filters
from .models import ChartSignal, Refresh
from .services import facts_refresh, summary_week, weekly_summaries_queue, weekly_summary_send

SIGNAL_WEEKS = 26  # the window a signal is judged in


def refresh_due() -> bool:
    """The facts are older than AMENDS_ANALYTICS_REFRESH_MINUTES (or were never built)."""
    last = Refresh.objects.first()
    age = timedelta(minutes=settings.AMENDS_ANALYTICS_REFRESH_MINUTES)
    return last is None or last.finished_at <= timezone.now() - age


@task()
def analytics_refresh_task() -> int:
    """Rebuild the facts, then alert on new out-of-control weeks; returns the number of alerts."""
    facts_refresh()
    return control_alerts()


def summaries_due() -> bool:
    """For the sweeper: is a week's summary due (the task itself sends each one once)?"""
    return summary_week(timezone.now()) is not None


@task()
def weekly_summaries_task() -> int:
    """Queue the last complete week's summary for every CX manager who has not had it; returns how many."""
    queued = weekly_summaries_queue()
    for summary_id in queued:
        weekly_summary_task.enqueue(summary_id)
    return len(queued)


@task()
def weekly_summary_task(summary_id: int) -> bool:
    return weekly_summary_send(summary_id)


def control_alerts() -> int:
    """Tell the CX managers (admins) and the location's supervisors once about each location whose failure rate
    went out of control in the last complete week."""
    today = timezone.localdate()
    last_week = today - timedelta(days=today.weekday() + 7)  # the Monday of the last complete week
    system = User(is_superuser=True)  # judged over every location
    filters = Filters.of(since=last_week - timedelta(weeks=SIGNAL_WEEKS - 1), until=last_week + timedelta(days=6))
    alerts = 0
    for chart in control_charts(system, filters, chart="p"):
        if last_week in chart.signal_weeks and _first_time(chart, last_week):
            _alert(chart, _since(chart, last_week))
            alerts += 1
    return alerts


def _first_time(chart: LocationChart, week: date) -> bool:
    assert chart.chart is not None  # a chart with signal weeks has points
    signals = chart.chart.points[chart.weeks.index(week)].signals
    try:
        with transaction.atomic():
            ChartSignal.objects.create(location_id=chart.location_id, chart="p", week=week, signals=list(signals))
    except IntegrityError:
        return False
    return True


def _since(chart: LocationChart, last_week: date) -> date:
    """The first week of the unbroken stretch of signalling weeks that ends in the last one."""
    flagged = set(chart.signal_weeks)
    since = last_week
    while since - timedelta(weeks=1) in flagged:
        since -= timedelta(weeks=1)
    return since


def _alert(chart: LocationChart, since: date) -> None:
    admins = User.objects.filter(groups__name=Role.ADMIN.value, is_active=True).distinct()

    def message() -> tuple[str, str]:
        week = since.isocalendar().week
        subject = _("Failures at %(location)s are out of control since week %(week)s") % {
            "location": chart.name, "week": week
        }  # fmt: skip
        body = _("The weekly failure rate left its control limits or shows a run or trend. See the control chart.")
        return subject, body

    notify(recipients=[*admins, *supervisors_of(chart.team_id)], kind="control_signal", message=message)
