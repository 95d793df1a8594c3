"""People: workload, pace, breaches, escalations and follow-up satisfaction per agent and team, and signals of
overload for the supervisor, so that the people who recover customers get looked after too.

The default view is per team; the per-person table is shown on request, in alphabetical order, never ranked.
Only supervisors (their teams) and admins (all) see it.
"""

from collections import defaultdict
from dataclasses import dataclass, field, replace
from statistics import median

from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from amends.cases.enums import OPEN_STATUSES
from amends.cases.models import Case
from amends.cases.selectors import team_ids_of
from amends.core.errors import Forbidden
from amends.core.models import Team, User

from .filters import Filters, narrowed
from .models import AgentDay

COUNTS = ("cases", "resolved", "sla_breached", "escalated", "reopened", "follow_ups_answered", "follow_ups_satisfied")
OPEN_FACTOR, OPEN_MINIMUM = 1.5, 10  # open cases well above the team's middle
BREACH_FACTOR, BREACH_MINIMUM = 2.0, 3  # breaches at twice the team's share


@dataclass(frozen=True)
class Workload:
    """One person's (or one team's) numbers in the period, and the cases open now."""

    name: str
    team: str
    open_now: int
    counts: dict[str, int] = field(default_factory=dict)
    days: int = 1
    people: int = 1  # how many persons the numbers are of

    @property
    def per_day(self) -> float:
        return self.counts.get("cases", 0) / self.days

    def share(self, part: str, of: str = "cases") -> float | None:
        whole = self.counts.get(of, 0)
        return self.counts.get(part, 0) / whole if whole else None


@dataclass(frozen=True)
class Signal:
    person: str
    team: str
    reason: str  # open_cases or breaches
    value: float
    usual: float


@dataclass(frozen=True)
class People:
    teams: list[Workload]
    persons: list[Workload]
    signals: list[Signal]


def overload_signals(persons: list[Workload]) -> list[Signal]:
    """Who carries clearly more than their team: open cases at 1.5 times the team's median (10 at least), or SLA
    breaches at twice the team's share (3 at least). Pure: the numbers in, the signals out."""
    signals = []
    for team, members in _by_team(persons).items():
        usual_open = median(member.open_now for member in members)
        cases = sum(member.counts.get("cases", 0) for member in members)
        usual_breaches = sum(member.counts.get("sla_breached", 0) for member in members) / cases if cases else 0.0
        for member in members:
            if member.open_now >= max(OPEN_MINIMUM, OPEN_FACTOR * usual_open) and len(members) > 1:
                signals.append(Signal(member.name, team, "open_cases", member.open_now, usual_open))
            breaches, share = member.counts.get("sla_breached", 0), member.share("sla_breached")
            if share is not None and breaches >= BREACH_MINIMUM and share >= BREACH_FACTOR * usual_breaches > 0:
                signals.append(Signal(member.name, team, "breaches", share, usual_breaches))
    return sorted(signals, key=lambda s: (s.team, s.person, s.reason))


def people(user: User, filters: Filters) -> People:
    if not user.supervises:
        raise Forbidden(_("Only supervisors and admins see the People analysis."))
    facts = narrowed(AgentDay.objects.all(), replace(filters, channel=None, category=None, location=None), user)
    days = (filters.until - filters.since).days + 1
    rows = facts.order_by().values("owner_id", "team_id").annotate(**{name: Sum(name) for name in COUNTS})
    counted = {(row["owner_id"], row["team_id"]): {name: row[name] or 0 for name in COUNTS} for row in rows}
    open_cases = Case.objects.filter(status__in=OPEN_STATUSES, owner__isnull=False).order_by()
    if not user.sees_all_teams:
        open_cases = open_cases.filter(team_id__in=team_ids_of(user))
    if filters.team:
        open_cases = open_cases.filter(team__slug=filters.team)
    open_now = {(row["owner_id"], row["team_id"]): row["n"]
                for row in open_cases.values("owner_id", "team_id").annotate(n=Count("pk"))}  # fmt: skip
    keys = set(counted) | set(open_now)
    owners = User.objects.in_bulk([owner for owner, _team in keys])
    teams = Team.objects.in_bulk([team for _owner, team in keys if team is not None])
    persons = sorted(
        (Workload(_name(owners[owner]), teams[team].name if team in teams else "", open_now.get((owner, team), 0),
                  counted.get((owner, team), dict.fromkeys(COUNTS, 0)), days)
         for owner, team in keys),
        key=lambda w: (w.team, w.name.lower()),
    )  # fmt: skip
    return People(_teams(persons, days), persons, overload_signals(persons))


def _name(user: User) -> str:
    return user.get_full_name() or user.username


def _by_team(persons: list[Workload]) -> dict[str, list[Workload]]:
    grouped: dict[str, list[Workload]] = defaultdict(list)
    for person in persons:
        grouped[person.team].append(person)
    return grouped


def _teams(persons: list[Workload], days: int) -> list[Workload]:
    return [
        Workload(team, team, sum(m.open_now for m in members),
                 {name: sum(m.counts.get(name, 0) for m in members) for name in COUNTS}, days, len(members))
        for team, members in sorted(_by_team(persons).items())
    ]  # fmt: skip
