"""The analytics dashboard: KPIs, Pareto, control chart, fishbone and outcomes as server-drawn charts, filters that
update the page with HTMX, and every table as CSV."""

import csv
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from amends.cases.enums import RecoveryOutcome, Severity
from amends.cases.selectors import root_causes
from amends.cases.taxonomy import FAMILIES
from amends.core.bounds import validate_year
from amends.core.errors import DomainError
from amends.core.models import Location, User
from amends.core.services import user_weekly_summary_update
from amends.intake.channels.webform.selectors import locations_for_staff
from amends.intake.enums import Channel
from amends.surveys.servqual import DIMENSION_NAMES
from amends.surveys.servqual import ITEMS as SERVQUAL_ITEMS

from . import charts, stats
from .control import LocationChart, control_charts
from .filters import Filters
from .fishbone import Bone, bones_of, fishbone
from .kpis import Kpis, kpis
from .models import RETURN_WINDOWS, ParadoxDay, Refresh
from .numbers import NONE, fixed, number, percent, signed
from .outcomes import outcomes
from .paradox import Paradox, Verdict, recovery_paradox
from .pareto import ParetoBar, pareto
from .people import Signal, Workload, people
from .servqual import servqual
from .stats import EffectSize
from .summary import HEADLINES


class PeriodForm(forms.Form):
    since = forms.DateField(
        label=gettext_lazy("From"), required=False, validators=[validate_year], widget=forms.DateInput({"type": "date"})
    )
    until = forms.DateField(
        label=gettext_lazy("To"), required=False, validators=[validate_year], widget=forms.DateInput({"type": "date"})
    )
    location = forms.ModelChoiceField(
        label=gettext_lazy("Location"), queryset=Location.objects.none(), to_field_name="code",
        required=False, empty_label=gettext_lazy("All"),
    )  # fmt: skip

    def __init__(self, data: Any = None, *, user: User) -> None:
        super().__init__(data)
        location = self.fields.get("location")
        if isinstance(location, forms.ModelChoiceField):  # the people page has no location filter
            location.queryset = locations_for_staff(user)  # another team's touchpoints stay out of sight

    def clean(self) -> dict:
        data = super().clean() or {}
        try:
            self._filters = self._filters_of(data)
        except DomainError as error:  # the period: backwards or too long
            self.add_error("since", error.message)
        return data

    def options(self) -> dict:
        """What the analysis takes besides the filters."""
        return {}

    def filters(self) -> Filters:
        """What was asked, or the default period when the form is empty or wrong."""
        return self._filters if self.is_valid() else Filters.of()

    @staticmethod
    def _filters_of(data: dict) -> Filters:
        location = data.get("location")
        return Filters.of(
            since=data.get("since"),
            until=data.get("until"),
            location=location.code if location else None,
            channel=data.get("channel") or None,
        )


class FilterForm(PeriodForm):
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"), required=False, choices=[("", gettext_lazy("All")), *Channel.choices]
    )
    laney = forms.BooleanField(
        label=gettext_lazy("Limits for large locations (Laney)"), required=False,
        help_text=gettext_lazy("Widens the control limits by how much the weeks really vary."),
    )  # fmt: skip

    def options(self) -> dict:
        return {"laney": bool(self.is_valid() and self.cleaned_data.get("laney"))}


MEASURE_LABELS = {
    "satisfaction": gettext_lazy("Satisfaction (1-5)"),
    "recommend": gettext_lazy("Likelihood to recommend (0-10)"),
    "repurchase": gettext_lazy("Likelihood to buy again (1-5)"),
    "returned": gettext_lazy("Came back"),
}
GROUP_LABELS = {
    ParadoxDay.Group.NEVER_FAILED: gettext_lazy("Never had a failure"),
    ParadoxDay.Group.RECOVERED: gettext_lazy("Recovered to their satisfaction"),
    ParadoxDay.Group.NOT_RECOVERED: gettext_lazy("Not recovered"),
}
VERDICT_LABELS = {
    Verdict.PARADOX: gettext_lazy("Paradox: the recovered score higher"),
    Verdict.NO_DIFFERENCE: gettext_lazy("No clear difference"),
    Verdict.BELOW: gettext_lazy("The recovered score lower"),
}


class ParadoxForm(PeriodForm):
    measure = forms.ChoiceField(label=gettext_lazy("By category and severity"), required=False,
                                choices=list(MEASURE_LABELS.items()))  # fmt: skip
    return_days = forms.TypedChoiceField(
        label=gettext_lazy("Came back within"), required=False, coerce=int, empty_value=None,
        choices=[(days, gettext_lazy("%(days)s days") % {"days": days}) for days in RETURN_WINDOWS],
    )  # fmt: skip

    def options(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {"measure": data.get("measure") or "satisfaction", "return_days": data.get("return_days") or 90}


OUTCOMES = dict(RecoveryOutcome.choices)
SEVERITIES = dict(Severity.choices)
# Each analysis page: (title, heading); its sections are analytics/_<name>.html.
PAGES = {
    "dashboard": (gettext_lazy("Learn"), gettext_lazy("Learn from every failure")),
    "paradox": (gettext_lazy("Recovery paradox"), gettext_lazy("Does a good recovery make customers more loyal?")),
    "servqual": (
        gettext_lazy("Service quality gaps"),
        gettext_lazy("Where do we fall short of what customers expect?"),
    ),
    "people": (gettext_lazy("People"), gettext_lazy("Who carries the load, and who needs a hand?")),
}


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    return _analysis_page(request, FilterForm(request.GET or None, user=_user(request)), "dashboard", _sections)


@login_required
@require_POST
def summary_settings(request: HttpRequest) -> HttpResponse:
    """The weekly summary email on or off, from the form under the dashboard."""
    user = request.user
    assert isinstance(user, User)
    enabled = request.POST.get("weekly_summary") == "on"
    try:
        user_weekly_summary_update(user=user, enabled=enabled)
    except DomainError as error:  # the service decides who may: supervisors and admins
        raise PermissionDenied(error.message) from error
    if enabled:
        messages.success(request, _("You will get a summary of the week every Monday."))
    else:
        messages.success(request, _("You will no longer get the weekly summary."))
    return redirect(reverse("analytics:dashboard") + "#weekly-summary")


def _analysis_page(request: HttpRequest, form: "PeriodForm", name: str, sections: Callable[..., dict]) -> HttpResponse:
    """The page, or only its sections when HTMX asks after a filter changed."""
    user = request.user
    assert isinstance(user, User)
    filters = form.filters()
    context = {"form": form, "filters": filters, "refresh": Refresh.objects.first(),
               **sections(user, filters, **form.options())}  # fmt: skip
    sections_template = f"analytics/_{name}.html"
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, sections_template, context)
    title, heading = PAGES[name]
    page = {"page_title": title, "page_heading": heading, "sections_template": sections_template,
            "summary_setting": name == "dashboard" and user.supervises}  # fmt: skip
    return render(request, "analytics/page.html", context | page)


def _sections(user: User, filters: Filters, laney: bool = False) -> dict:
    bars = pareto(user, filters)
    bones = bones_of({bar.category: int(bar.value) for bar in bars}, root_causes())  # the same totals: read once
    return {
        "tiles": _tiles(kpis(user, filters)),
        "pareto_svg": _pareto_svg(bars),
        "control": [(chart, _control_svg(chart)) for chart in control_charts(user, filters, laney=laney)[:3]],
        "fishbone_svg": _fishbone_svg(bones),
        "bones": bones,
        "outcomes": [(o, OUTCOMES.get(o.outcome, o.outcome)) for o in outcomes(user, filters)],
    }


def _tiles(numbers: Kpis) -> list[tuple[str, str]]:
    return [(str(headline.label), headline.shown(headline.value(numbers))) for headline in HEADLINES]


# The chart module escapes every text it draws, so its SVG is safe to insert as is.
def _pareto_svg(bars: list[ParetoBar]) -> str:
    svg = charts.pareto_svg(
        [stats.ParetoRow(b.category, b.value, b.share, b.cumulative_share, b.vital_few) for b in bars],
        labels=[b.label or _("(none)") for b in bars],
        value_labels=[number(b.value, 0) for b in bars],
        title=_("Failures by root cause"),
        description=_("No cases in this period."),
        cumulative_label=_("Cumulative share"),
        percent_format=lambda share: f"{fixed(share * 100, 0)} %",
    )
    return mark_safe(svg)


def _fishbone_svg(bones: list[Bone]) -> str:
    svg = charts.bars_svg(
        [bone.cases for bone in bones],
        labels=[str(FAMILIES[bone.family]) for bone in bones],
        value_labels=[number(bone.cases, 0) for bone in bones],
        title=_("Failures by cause family"),
        description=_("No cases in this period."),
    )
    return mark_safe(svg)


def _control_svg(chart: LocationChart) -> str:
    if chart.chart is None:
        return ""
    return mark_safe(charts.control_chart_svg(
        chart.chart, labels=[_week_label(week) for week in chart.weeks],
        title=_("Failure rate per week at %(location)s") % {"location": chart.name},
        description=_("Share of interactions that became a case, with 3-sigma limits."),
        centre_label=_("Centre line"), limit_label=_("Control limits"),
        tick_format=lambda v: f"{fixed(v * 100, 1)} %",
    ))  # fmt: skip


def _week_label(week: date) -> str:
    return _("wk %(week)s") % {"week": week.isocalendar().week}


@login_required
@require_GET
def recovery_paradox_page(request: HttpRequest) -> HttpResponse:
    return _analysis_page(request, ParadoxForm(request.GET or None, user=_user(request)), "paradox", _paradox_sections)


def _measure_label(measure: str, return_days: int) -> str:
    if measure == "returned":
        return _("Came back within %(days)s days") % {"days": return_days}
    return str(MEASURE_LABELS[measure])


def _g(value: float) -> str:
    return fixed(value, 2)


def _paradox_sections(user: User, filters: Filters, **options: Any) -> dict:
    result = recovery_paradox(user, filters, **options)
    rows = []
    for m in result.measures:
        share = m.measure == "returned"
        means = [(m.groups[group].n, percent(m.groups[group].mean) if share else number(m.groups[group].mean, 2))
                 for group in GROUP_LABELS]  # fmt: skip
        rows.append({
            "label": _measure_label(m.measure, result.return_days), "means": means, "paradox": m.paradox,
            "verdict": VERDICT_LABELS.get(m.verdict or "", NONE), "benchmark": VERDICT_LABELS.get(m.benchmark or ""),
            "agrees": m.agrees,
        })  # fmt: skip
    measure_label = _measure_label(result.measure, result.return_days)
    return {
        "result": result,
        "groups": list(GROUP_LABELS.values()),
        "rows": rows,
        "measures_svg": _interval_svg(
            [(_measure_label(m.measure, result.return_days), m.paradox) for m in result.measures],
            title=_("Recovered against never failed, per measure (Hedges' g)"),
        ),
        "category_svg": _interval_svg(
            [(s.key or _("(none)"), s.paradox) for s in result.by_category],
            title=_("%(measure)s by category (Hedges' g)") % {"measure": measure_label},
        ),
        "severity_svg": _interval_svg(
            [(str(SEVERITIES.get(s.key, s.key)), s.paradox) for s in result.by_severity],
            title=_("%(measure)s by severity (Hedges' g)") % {"measure": measure_label},
        ),
    }


def _interval_svg(effects: list[tuple[str, EffectSize | None]], *, title: str) -> str:
    rows = [(label, e.g, e.ci_low, e.ci_high) for label, e in effects if e is not None]
    svg = charts.interval_svg(
        rows, title=title, description=_("Too few answers to compare."), reference=0.0, tick_format=_g
    )
    return mark_safe(svg)


@login_required
@require_GET
def servqual_page(request: HttpRequest) -> HttpResponse:
    return _analysis_page(request, PeriodForm(request.GET or None, user=_user(request)), "servqual", _servqual_sections)


def _servqual_sections(user: User, filters: Filters) -> dict:
    report = servqual(user, filters)
    result = report.result
    names = {dimension: str(name) for dimension, name in DIMENSION_NAMES.items()}
    gaps_svg = charts.gap_bars_svg(
        result.dimension_gaps, labels=names, highlight=result.largest_gap_dimension,
        title=_("Gap per dimension: experienced minus expected"), description=_("No SERVQUAL answers in this period."),
        value_format=signed,
    )  # fmt: skip
    items_svg = charts.gap_bars_svg(
        {str(item.item): item.gap for item in report.items},
        labels={str(item.item): f"{item.item}. {SERVQUAL_ITEMS[item.item - 1]}" for item in report.items},
        highlight=None, title=_("Gap per statement"), description=_("No SERVQUAL answers in this period."),
        value_format=signed,
    )  # fmt: skip
    largest = result.largest_gap_dimension
    return {
        "report": report,
        "largest": names.get(largest or ""),
        "scores": [(_("Answers"), number(result.n, 0)), (_("Unweighted gap"), signed(result.unweighted)),
                   (_("Weighted by importance"), signed(result.weighted))],
        "dimensions": [(names[d.dimension], signed(d.gap), signed(d.weighted_gap),
                        number(d.importance), d.dimension == largest) for d in report.dimensions],
        "locations": [(place, [signed(place.dimension_gaps[d]) for d in names],
                       names.get(place.largest_gap_dimension or "")) for place in report.locations],
        "dimension_names": list(names.values()),
        "gaps_svg": mark_safe(gaps_svg),
        "items_svg": mark_safe(items_svg),
    }  # fmt: skip


class PeopleForm(PeriodForm):
    location = None  # type: ignore[assignment]  # workload is per team and person, not per place
    persons = forms.BooleanField(label=gettext_lazy("Show per person"), required=False)

    def options(self) -> dict:
        return {"per_person": bool(self.is_valid() and self.cleaned_data.get("persons"))}


@login_required
@require_GET
def people_page(request: HttpRequest) -> HttpResponse:
    return _analysis_page(request, PeopleForm(request.GET or None, user=_user(request)), "people", _people_sections)


def _people_sections(user: User, filters: Filters, per_person: bool = False) -> dict:
    report = people(user, filters)
    return {
        "per_person": per_person,
        "teams": [_workload_row(w) for w in report.teams],
        "persons": [_workload_row(w) for w in report.persons] if per_person else [],
        "signals": [_signal_text(s) for s in report.signals],
    }


def _workload_row(w: Workload) -> dict:
    return {"name": w.name, "team": w.team, "people": w.people, "open_now": w.open_now,
            "per_day": number(w.per_day), "cases": w.counts["cases"], "resolved": w.counts["resolved"],
            "breaches": percent(w.share("sla_breached")), "escalated": w.counts["escalated"],
            "reopened": percent(w.share("reopened")),
            "satisfied": percent(w.share("follow_ups_satisfied", of="follow_ups_answered"))}  # fmt: skip


SIGNAL_TEXTS = {
    "open_cases": gettext_lazy(
        "%(person)s has %(value)s open cases; the usual in %(team)s is %(usual)s. Could someone share the load?"
    ),
    "breaches": gettext_lazy(
        "%(person)s's cases missed their SLA %(value)s of the time; in %(team)s it is %(usual)s. A harder queue, or "
        "too much at once?"
    ),
}


def _signal_text(signal: Signal) -> str:
    shown = percent if signal.reason == "breaches" else (lambda value: number(value, 0))
    values = {"person": signal.person, "team": signal.team, "value": shown(signal.value), "usual": shown(signal.usual)}
    return str(SIGNAL_TEXTS[signal.reason]) % values


TABLES = ("pareto", "fishbone", "outcomes", "weekly", "paradox", "servqual")


@login_required
@require_GET
def export(request: HttpRequest, table: str) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if table not in TABLES:
        raise Http404(_("There is no such table."))
    form = (ParadoxForm if table == "paradox" else FilterForm)(request.GET or None, user=user)
    filters = form.filters()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="amends-{table}-{filters.since}-{filters.until}.csv"'
    writer = csv.writer(response)
    for row in _table(user, filters, table, form.options()):
        writer.writerow(row)
    return response


def _table(user: User, filters: Filters, table: str, options: dict) -> Iterable[Iterable[object]]:
    if table == "pareto":
        yield ("category", "stage", "family", "cases", "share", "cumulative_share", "vital_few")
        for b in pareto(user, filters):
            yield (b.category, b.stage, b.family, int(b.value), f"{b.share:.4f}", f"{b.cumulative_share:.4f}",
                   b.vital_few)  # fmt: skip
    elif table == "fishbone":
        yield ("family", "category", "cases")
        for bone in fishbone(user, filters):
            for category, n in bone.categories:
                yield (bone.family, category, n)
    elif table == "outcomes":
        yield ("outcome", "cases", "disputed_known", "disputed", "dispute_rate", "ci_low", "ci_high")
        for o in outcomes(user, filters):
            yield (o.outcome, o.cases, o.disputed_known, o.disputed, o.dispute_rate, o.ci_low, o.ci_high)
    elif table == "paradox":
        yield from _paradox_table(recovery_paradox(user, filters, **options))
    elif table == "servqual":
        yield ("item", "dimension", "expectation", "perception", "gap")
        for item in servqual(user, filters).items:
            yield (item.item, item.dimension, _decimals(item.expectation), _decimals(item.perception),
                   _decimals(item.gap))  # fmt: skip
    else:
        yield ("week", "cases", "interactions", "failures_per_1000")
        for week in kpis(user, filters).weekly:
            yield (week["week"], week["cases"], week["interactions"], week["failures_per_1000"])


def _paradox_table(result: Paradox) -> Iterable[Iterable[object]]:
    groups = [f"{group}_{part}" for group in GROUP_LABELS for part in ("n", "mean", "sd")]
    yield ("measure", *groups, "g", "ci_low", "ci_high", "verdict", "benchmark")
    for m in result.measures:
        moments = [m.groups[group] for group in GROUP_LABELS]
        numbers: list[object] = [value for g in moments for value in (g.n, _decimals(g.mean), _decimals(g.sd))]
        effect = (m.paradox.g, m.paradox.ci_low, m.paradox.ci_high) if m.paradox else (None, None, None)
        yield (m.measure, *numbers, *map(_decimals, effect), m.verdict or "", m.benchmark or "")


def _decimals(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"
