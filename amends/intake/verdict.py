"""Is this feedback a failure to recover, and how? The admin's detection rules first, then the built-in rule."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from amends.cases.enums import Severity
from amends.core.cache import TtlCache
from amends.core.models import Team
from amends.customers.models import Customer, Interaction

from .detection import Scores, is_negative, severity_for
from .models import DetectionRule, Feedback
from .rules import Facts, matches, needs_text_model

# Rules are read on every intake request: remembered per process; an edit is seen everywhere within this time.
RULES_CACHE_SECONDS = 30
_rules: TtlCache[list[DetectionRule]] = TtlCache(ttl=RULES_CACHE_SECONDS)


@dataclass(frozen=True)
class Verdict:
    negative: bool
    severity: Severity
    category: str = ""
    team: Team | None = None
    tags: tuple[str, ...] = ()
    rule: str | None = None  # the name of the rule that decided, if any


def active_rules() -> list[DetectionRule]:
    rules = _rules.get("intake")
    if rules is None:
        rules = list(DetectionRule.objects.filter(is_active=True).select_related("team").order_by("priority", "id"))
        _rules.put("intake", rules)
    return rules


def forget_rules() -> None:
    _rules.clear()


def intake_rules() -> list[DetectionRule]:
    """The active rules decided at intake: those that need the text model wait for the worker."""
    return [rule for rule in active_rules() if not needs_text_model(rule.conditions)]


def repeat_windows(rules: list[DetectionRule]) -> set[int]:
    """The `repeat_within_days` windows the rules ask about."""
    return {rule.conditions["repeat_within_days"] for rule in rules if "repeat_within_days" in rule.conditions}


def judge(
    *,
    kind: str,
    channel: str,
    scores: Scores,
    text: str,
    customer: Customer,
    interaction: Interaction | None,
    occurred_at: datetime,
) -> Verdict:
    """The first matching rule that decides (open a case or ignore) wins; tag rules add their tags on the way."""
    rules = intake_rules()
    return decide(
        rules,
        kind=kind,
        channel=channel,
        scores=scores,
        text=text,
        segment=customer.segment,
        attributes=interaction.attributes if interaction else {},
        contacts_within=_contacts_within(rules, customer, occurred_at) if rules else {},
    )


def decide(
    rules: list[DetectionRule],
    *,
    kind: str,
    channel: str,
    scores: Scores,
    text: str,
    segment: str,
    attributes: dict,
    contacts_within: dict[int, int],
) -> Verdict:
    """`judge` with the facts at hand (`rules` from `intake_rules`, the counts for its `repeat_windows`)."""
    default_severity = severity_for(kind, scores, segment)
    tags: list[str] = []
    if rules:
        facts = Facts(
            kind=kind,
            channel=channel,
            scores=scores,
            text=text,
            segment=segment,
            attributes=attributes,
            contacts_within=contacts_within,
        )
        verdict = _first_deciding(rules, facts, default_severity, tags)
        if verdict is not None:
            return verdict
    return Verdict(negative=is_negative(kind, scores), severity=default_severity, tags=tuple(tags))


def _first_deciding(
    rules: list[DetectionRule], facts: Facts, default_severity: Severity, tags: list[str]
) -> Verdict | None:
    """The verdict of the first matching rule that opens a case or ignores; matching tag rules add to `tags`."""
    for rule in rules:
        if not matches(rule.conditions, facts):
            continue
        tags += [tag for tag in rule.tags if tag not in tags]
        if rule.action == DetectionRule.Action.TAG:
            continue
        return Verdict(
            negative=rule.action == DetectionRule.Action.OPEN_CASE,
            severity=Severity(rule.severity) if rule.severity else default_severity,
            category=rule.category,
            team=rule.team,
            tags=tuple(tags),
            rule=rule.name,
        )
    return None


def _contacts_within(
    rules: list[DetectionRule], customer: Customer, now: datetime, *, besides: int | None = None
) -> dict[int, int]:
    """Earlier feedback of this customer in each window a rule asks about (one query per distinct window)."""
    windows = repeat_windows(rules)
    if customer.pk is None:
        return {}
    earlier = Feedback.objects.filter(customer=customer)
    if besides is not None:
        earlier = earlier.exclude(pk=besides)
    return {days: earlier.filter(occurred_at__gte=now - timedelta(days=days)).count() for days in windows}


def judge_after_reading(*, feedback: Feedback, negative: float) -> Verdict | None:
    """The admin's rules that need the text model (`negative_min`), once the worker has read the text.

    The first matching rule that decides (open a case or ignore) wins; None when no such rule matches, and the
    text model's own alert threshold decides.
    """
    rules = [rule for rule in active_rules() if needs_text_model(rule.conditions)]
    if not rules:
        return None
    customer = feedback.customer
    scores = Scores(csat=feedback.csat, nps=feedback.nps, ces=feedback.ces)
    facts = Facts(
        kind=feedback.kind, channel=feedback.channel, scores=scores, text=feedback.text, segment=customer.segment,
        attributes=feedback.interaction.attributes if feedback.interaction else {},
        contacts_within=_contacts_within(rules, customer, feedback.occurred_at, besides=feedback.pk), negative=negative,
    )  # fmt: skip
    return _first_deciding(rules, facts, severity_for(feedback.kind, scores, customer.segment), [])
