"""Every read of recovery cases, behind the permission gate: a user sees only their teams' cases."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.utils.timezone import now
from django.utils.translation import gettext as _

from amends.core.cache import TtlCache
from amends.core.cursors import decode_time_cursor, encode_time_cursor
from amends.core.errors import NotFound
from amends.core.models import Team, User
from amends.core.selectors import calendar_clock

from . import sla, wording
from .enums import OPEN_STATUSES, CaseStatus, EscalationLevel, PlaybookStep
from .models import Case, CaseEvent, CaseMessage, Category, MessageTemplate, Playbook, SavedView, SlaPolicy
from .taxonomy import RootCause

# Active SLA policies in priority order, read again after this many seconds (changes show within that time).
_policies: TtlCache[list[SlaPolicy]] = TtlCache(ttl=30)
_playbooks: TtlCache[list[Playbook]] = TtlCache(ttl=30)  # read for every case opened, edited rarely
_categories: TtlCache[list[Category]] = TtlCache(ttl=30)  # read for every resolve form and chart


def cases_visible_to(user: User) -> QuerySet[Case]:
    cases = Case.objects.select_related("customer", "location", "team", "owner", "sla_policy__calendar", "playbook")
    if user.sees_all_teams:
        return cases
    return cases.filter(Q(team_id__in=team_ids_of(user)) | Q(owner=user))


def case_messages_visible_to(user: User) -> QuerySet[CaseMessage]:
    messages = CaseMessage.objects.select_related("case")
    return messages if user.sees_all_teams else messages.filter(case__in=cases_visible_to(user))


def team_ids_of(user: User) -> list[int]:
    return list(user.teams.values_list("id", flat=True))


def case_get_for_user(*, user: User, case_id: int) -> Case:
    case = cases_visible_to(user).filter(pk=case_id).first()
    if case is None:
        raise NotFound(_("There is no case %(id)s, or you may not see it.") % {"id": case_id})
    return case


def case_timeline(case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor").order_by("created_at", "id")


# Keyset pagination on (due_at, id): open cases always have a due time; resolved ones sort last by id.
@dataclass(frozen=True)
class Page:
    items: list[Case]
    next_cursor: str | None


def paginate_by_due(cases: QuerySet[Case], *, cursor: str | None, limit: int) -> Page:
    cases = cases.order_by(F("due_at").asc(nulls_last=True), "id")
    if cursor:
        due, pk = decode_time_cursor(cursor)
        if due is None:
            cases = cases.filter(due_at__isnull=True, id__gt=pk)
        else:
            cases = cases.filter(Q(due_at__gt=due) | Q(due_at=due, id__gt=pk) | Q(due_at__isnull=True))
    # Open cases first by due time; cases without a due time (resolved) after them.
    rows = list(cases[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    return Page(items=rows, next_cursor=encode_time_cursor(rows[-1].due_at, rows[-1].pk) if has_more and rows else None)


@dataclass(frozen=True)
class CaseFilters:
    status: str | None = None
    owner: str | None = None
    team: str | None = None
    severity: str | None = None
    category: str | None = None
    breaching: bool | None = None


def cases_filtered(user: User, filters: CaseFilters) -> QuerySet[Case]:
    return _filtered(cases_visible_to(user), filters)


def _filtered(cases: QuerySet[Case], filters: CaseFilters) -> QuerySet[Case]:
    if filters.status == "open":
        cases = cases.filter(status__in=OPEN_STATUSES)
    elif filters.status:
        cases = cases.filter(status=filters.status)
    if filters.owner:
        cases = cases.filter(owner__username=filters.owner)
    if filters.team:
        cases = cases.filter(team__slug=filters.team)
    if filters.severity:
        cases = cases.filter(severity=filters.severity)
    if filters.category:
        cases = cases.filter(category=filters.category)
    if filters.breaching is not None:
        at_risk = Q(status__in=OPEN_STATUSES) & (Q(escalation_level__gte=EscalationLevel.WARNED) | Q(due_at__lte=now()))
        cases = cases.filter(at_risk) if filters.breaching else cases.exclude(at_risk)
    return cases


# The columns an inbox row shows (amends/web/inbox.py), and the keyset it pages on.
INBOX_FIELDS = (
    "id",
    "status",
    "severity",
    "summary",
    "due_at",
    "customer__name",
    "customer__external_id",
    "customer__segment",
    "location__name",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
)


def inbox_cases(user: User, *, view: str, filters: CaseFilters) -> QuerySet[Case]:
    """The agent inbox: open cases that are mine, my teams', nobody's yet, breaching soon or waiting on the customer.

    Each view already keeps to what the user may see (their own cases, their teams' cases), so the visibility rule
    is not added a second time, and only what the rows show is joined and loaded: that keeps every view on one
    ordered scan of a partial index of open cases (measured by bench/inbox.py at 1,000,000 cases).
    """
    cases = _filtered(Case.objects.select_related("customer", "location", "owner").only(*INBOX_FIELDS), filters)
    if not filters.status:
        cases = cases.filter(status__in=OPEN_STATUSES)
    if view == "mine":
        return cases.filter(owner=user)
    team_ids = team_ids_of(user)
    if team_ids or not user.sees_all_teams:
        cases = cases.filter(team_id__in=team_ids)
    if view == "unassigned":
        return cases.filter(owner__isnull=True)
    if view == "breaching":
        return cases.filter(Q(escalation_level__gte=EscalationLevel.WARNED) | Q(due_at__lte=now()))
    if view == "waiting":
        return cases.filter(status=CaseStatus.WAITING_ON_CUSTOMER)
    return cases


def sla_policies_active() -> list[SlaPolicy]:
    policies = _policies.get("active")
    if policies is None:
        policies = list(SlaPolicy.objects.filter(is_active=True).select_related("calendar").order_by("priority", "id"))
        _policies.put("active", policies)
    return policies


def sla_policies_forget() -> None:
    """Read the policies again on next use (in this process; others within the cache's time)."""
    _policies.clear()


def sla_policy_for(*, severity: str, segment: str, channel: str, category: str) -> SlaPolicy | None:
    """The first active policy, by priority, whose conditions all hold for this case."""
    facts = {"severity": severity, "segment": segment, "channel": channel, "category": category}
    return next((policy for policy in sla_policies_active() if sla.conditions_match(policy.conditions, facts)), None)


def policy_targets(policy: SlaPolicy | None) -> sla.Targets:
    if policy is None:
        return sla.default_targets(settings.AMENDS_FIRST_RESPONSE_MINUTES, settings.AMENDS_RESOLUTION_MINUTES)
    return sla.Targets(
        calendar=calendar_clock(policy.calendar),
        first_response=timedelta(minutes=policy.first_response_minutes),
        next_response=timedelta(minutes=policy.next_response_minutes) if policy.next_response_minutes else None,
        resolution=timedelta(minutes=policy.resolution_minutes),
        warning_share=policy.warning_percent / 100,
        requeue_after=timedelta(minutes=policy.requeue_after_minutes),
        pause_statuses=frozenset(policy.pause_statuses),
    )


def case_targets(case: Case) -> sla.Targets:
    return policy_targets(case.sla_policy)


def playbook_for(*, category: str, severity: str) -> Playbook | None:
    """The most specific active playbook: category and severity, then category, then severity, then general."""
    playbooks = _playbooks.get("active")
    if playbooks is None:
        playbooks = list(Playbook.objects.filter(is_active=True))
        _playbooks.put("active", playbooks)
    candidates = [p for p in playbooks if p.category in (category, "") and p.severity in (severity, "")]
    return min(candidates, key=lambda p: (p.category == "", p.severity == "", p.name), default=None)


def categories() -> list[Category]:
    """The root-cause taxonomy in its order, retired categories too (old cases keep them)."""
    found = _categories.get("all")
    if found is None:
        found = list(Category.objects.all())
        _categories.put("all", found)
    return found


def categories_offered() -> list[Category]:
    """What the resolve form offers."""
    return [category for category in categories() if category.is_active]


def category_label(key: str) -> str:
    """A category's name in the active language; a key outside the taxonomy shows as it is."""
    return next((category.label() for category in categories() if category.key == key), key)


def category_choices(current: str = "") -> list[tuple[str, str]]:
    """The taxonomy's offered categories as form choices, and `current` (a case's or playbook's own) if it has been
    retired since."""
    offered = categories_offered()
    choices = [(category.key, category.label()) for category in offered]
    if current and all(category.key != current for category in offered):
        choices.append((current, category_label(current)))
    return choices


def root_causes() -> dict[str, RootCause]:
    """Where the taxonomy puts each category on the journey and among the cause families."""
    return {category.key: RootCause(category.stage, category.family) for category in categories()}


def categories_forget() -> None:
    """Read the taxonomy again on next use (in this process; others within the cache's time)."""
    _categories.clear()


def playbooks_forget() -> None:
    """Read the playbooks again on next use (in this process; others within the cache's time)."""
    _playbooks.clear()


def message_wording(*, step: str, language: str) -> tuple[str, str]:
    """(subject, body) of a step's message: the business's own template, else Amends' wording (English if none)."""
    own = MessageTemplate.objects.filter(step=step, language=language).first()
    if own is not None:
        return own.subject, own.body
    by_language = wording.WORDING[step]
    return by_language.get(language) or by_language["en"]


def playbook_checklist(case: Case) -> dict | None:
    """The case's playbook as a checklist: each of the five steps with its guidance, whether it is required before
    resolving, and whether it is done."""
    playbook = case.playbook
    if playbook is None:
        return None
    return {
        "name": playbook.name,
        "guidance": playbook.guidance,
        "steps": [
            {
                "step": step.value,
                "label": str(step.label),
                "guidance": playbook.step_guidance.get(step.value, ""),
                "required": step.value in playbook.required_steps,
                "done": step.value in case.checklist,
            }
            for step in PlaybookStep
        ],
    }


def open_required_steps(case: Case) -> list[str]:
    """The playbook's steps that must be done before resolving and are not done yet."""
    if case.playbook is None:
        return []
    return [step for step in case.playbook.required_steps if step not in case.checklist]


def assignable_people(case: Case) -> list[tuple[str, str]]:
    """(username, name) of who can own the case: the members of its team."""
    if case.team is None:
        return []
    members = case.team.members.filter(is_active=True).order_by("username")
    return [(user.username, user.get_full_name() or user.username) for user in members]


def assignable_teams() -> list[tuple[str, str]]:
    return list(Team.objects.order_by("name").values_list("slug", "name"))


def saved_views_of(user: User) -> list[SavedView]:
    return list(user.saved_views.all())


def colleagues_of(user: User) -> list[tuple[str, str]]:
    """(username, name) of the active members of the user's teams, for assigning."""
    people = (
        User.objects.filter(is_active=True, teams__in=Team.objects.filter(members=user))
        .distinct()
        .order_by("username")
        .values_list("username", "first_name", "last_name")
    )
    # The name as User.get_full_name() puts it, without making a User of every row (a supervisor has hundreds).
    return [(username, f"{first} {last}".strip() or username) for username, first, last in people]
