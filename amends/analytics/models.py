"""Pre-aggregated facts the dashboards read: a few hundred thousand rows at most, whatever the number of cases.

The worker rebuilds them (`analytics_refresh_task`); every dashboard says how fresh its numbers are.
"""

from typing import Any

from django.db import models


class PlaceDay(models.Model):
    """The grain most facts share: a day, a location and the team that worked it."""

    day = models.DateField()
    location = models.ForeignKey("core.Location", on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey("core.Team", on_delete=models.CASCADE, null=True, related_name="+")

    class Meta:
        abstract = True


class CaseSums(PlaceDay):
    """What the case facts sum, at whatever grain a fact table keeps."""

    cases = models.PositiveIntegerField(default=0)
    complaints = models.PositiveIntegerField(default=0)  # cases a customer raised, not a survey's score (u-chart)
    resolved = models.PositiveIntegerField(default=0)
    first_contact_resolved = models.PositiveIntegerField(default=0)  # resolved with one contact, no transfer or reopen
    reopened = models.PositiveIntegerField(default=0)
    transfers = models.PositiveIntegerField(default=0)
    sla_known = models.PositiveIntegerField(default=0)
    sla_met = models.PositiveIntegerField(default=0)
    first_response_count = models.PositiveIntegerField(default=0)
    first_response_minutes = models.BigIntegerField(default=0)  # business minutes, summed
    resolution_count = models.PositiveIntegerField(default=0)
    resolution_minutes = models.BigIntegerField(default=0)
    disputed_known = models.PositiveIntegerField(default=0)
    disputed = models.PositiveIntegerField(default=0)
    cost = models.DecimalField(max_digits=14, decimal_places=2, default=0)  # gestures, in AMENDS_CURRENCY

    class Meta:
        abstract = True


class CaseDay(CaseSums):
    """Cases opened on one day, per location, team, first channel and root-cause category."""

    channel = models.CharField(max_length=20)
    category = models.CharField(max_length=100)

    class Meta:
        indexes = [models.Index(fields=["day", "location"], name="case_day_day_location")]

    def __str__(self) -> str:
        return f"{self.day} {self.location_id} {self.category}: {self.cases}"


class LocationDay(CaseSums):
    """CaseDay summed over channels and categories: a few rows per location and day, for the dashboards' totals,
    trends and control charts when neither a channel nor a category narrows them."""

    class Meta:
        indexes = [models.Index(fields=["day", "location"], name="location_day_day_location")]

    def __str__(self) -> str:
        return f"{self.day} {self.location_id}: {self.cases}"


class CategoryDay(PlaceDay):
    """CaseDay summed over channels: a third of its rows, for the Pareto and the fishbone when no channel narrows."""

    category = models.CharField(max_length=100)
    cases = models.PositiveIntegerField(default=0)
    cost = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        indexes = [models.Index(fields=["day", "location"], name="category_day_day_location")]

    def __str__(self) -> str:
        return f"{self.day} {self.location_id} {self.category}: {self.cases}"


def category_facts(channel: str | None) -> "models.QuerySet[Any]":
    """Cases and cost per category: the smallest fact table that can answer for this filter."""
    return CategoryDay.objects.all() if channel is None else CaseDay.objects.all()


def case_facts(channel: str | None, category: str | None) -> "models.QuerySet[Any]":
    """The rows of the smallest fact table that can answer for these filters."""
    return LocationDay.objects.all() if channel is None and category is None else CaseDay.objects.all()


class OutcomeDay(PlaceDay):
    """Resolved cases per day (of opening), location, category and recovery outcome, with disputes."""

    channel = models.CharField(max_length=20)
    category = models.CharField(max_length=100)
    outcome = models.CharField(max_length=32)
    cases = models.PositiveIntegerField(default=0)
    disputed_known = models.PositiveIntegerField(default=0)
    disputed = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["day", "location"], name="outcome_day_day_location")]

    def __str__(self) -> str:
        return f"{self.day} {self.outcome}: {self.cases}"


class LocationOutcomeDay(PlaceDay):
    """OutcomeDay summed over channels and categories: an eighth of its rows, when neither narrows."""

    outcome = models.CharField(max_length=32)
    cases = models.PositiveIntegerField(default=0)
    disputed_known = models.PositiveIntegerField(default=0)
    disputed = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["day", "location"], name="location_outcome_day_day_loc")]

    def __str__(self) -> str:
        return f"{self.day} {self.location_id} {self.outcome}: {self.cases}"


def outcome_facts(channel: str | None, category: str | None) -> "models.QuerySet[Any]":
    return LocationOutcomeDay.objects.all() if channel is None and category is None else OutcomeDay.objects.all()


class InteractionDay(models.Model):
    """Interactions (the denominator of failure rates) per day and location."""

    day = models.DateField()
    location = models.ForeignKey("core.Location", on_delete=models.CASCADE, related_name="+")
    interactions = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["day", "location"], name="interaction_day_day_location")]

    def __str__(self) -> str:
        return f"{self.day} {self.location_id}: {self.interactions}"


class Refresh(models.Model):
    """When the facts were last rebuilt, and how long it took."""

    finished_at = models.DateTimeField()
    seconds = models.FloatField()
    cases = models.PositiveIntegerField()
    stages = models.JSONField(default=dict)  # seconds per stage of the rebuild

    class Meta:
        ordering = ["-finished_at"]

    def __str__(self) -> str:
        return f"{self.finished_at:%Y-%m-%d %H:%M}"


class ChartSignal(models.Model):
    """An out-of-control signal already alerted, so the CX manager hears of each one once."""

    location = models.ForeignKey("core.Location", on_delete=models.CASCADE, related_name="+")
    chart = models.CharField(max_length=20)  # p (failure rate) or u (complaints per 1,000)
    week = models.DateField()
    signals = models.JSONField(default=list)
    alerted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["location", "chart", "week"], name="chart_signal_once")]

    def __str__(self) -> str:
        return f"{self.location_id} {self.chart} {self.week}"


RETURN_WINDOWS = (30, 90, 180)  # days within which a customer's actual return is counted
PARADOX_SCORES = ("satisfaction", "recommend", "repurchase")  # each kept as n, Σx, Σx² (see ParadoxDay)
PARADOX_SUMS = [f"{score}_{part}" for score in PARADOX_SCORES for part in ("n", "sum", "sq")] + [
    name for days in RETURN_WINDOWS for name in (f"return_known_{days}", f"returned_{days}")
]


class ParadoxDay(PlaceDay):
    """Satisfaction and loyalty of three groups of customers, as moments (n, Σx, Σx²) that add up over any filter.

    Groups: never failed (survey answers of customers without a case), recovered (a follow-up answered satisfied)
    and not recovered (answered neither or unhappy). The day is the survey answer's, or the day the case opened.
    """

    class Group(models.TextChoices):
        NEVER_FAILED = "never_failed"
        RECOVERED = "recovered"
        NOT_RECOVERED = "not_recovered"

    group = models.CharField(max_length=16, choices=Group.choices)
    category = models.CharField(max_length=100)  # empty for the never failed
    severity = models.CharField(max_length=12)
    # 1-5: CSAT, or overall satisfaction at follow-up
    satisfaction_n = models.PositiveIntegerField(default=0)
    satisfaction_sum = models.BigIntegerField(default=0)
    satisfaction_sq = models.BigIntegerField(default=0)
    # 0-10: likelihood to recommend (word of mouth)
    recommend_n = models.PositiveIntegerField(default=0)
    recommend_sum = models.BigIntegerField(default=0)
    recommend_sq = models.BigIntegerField(default=0)
    # 1-5: likelihood to buy again
    repurchase_n = models.PositiveIntegerField(default=0)
    repurchase_sum = models.BigIntegerField(default=0)
    repurchase_sq = models.BigIntegerField(default=0)
    # Returned within N days (0/1, so Σx = Σx²): known only once N days have passed.
    return_known_30 = models.PositiveIntegerField(default=0)
    returned_30 = models.PositiveIntegerField(default=0)
    return_known_90 = models.PositiveIntegerField(default=0)
    returned_90 = models.PositiveIntegerField(default=0)
    return_known_180 = models.PositiveIntegerField(default=0)
    returned_180 = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["day", "location"], name="paradox_day_day_location")]

    def __str__(self) -> str:
        return f"{self.day} {self.location_id} {self.group}"


class ServqualItemDay(PlaceDay):
    """SERVQUAL answers of one day and location, summed per statement (1-22): enough for every gap score."""

    item = models.PositiveSmallIntegerField()
    n = models.PositiveIntegerField(default=0)
    expectation_sum = models.PositiveIntegerField(default=0)
    perception_sum = models.PositiveIntegerField(default=0)
    gap_sum = models.IntegerField(default=0)
    weighted_gap_sum = models.FloatField(default=0.0)  # Σ importance share of the item's dimension * gap
    importance_sum = models.PositiveIntegerField(default=0)  # points given to the item's dimension

    class Meta:
        indexes = [models.Index(fields=["day", "location"], name="servqual_day_day_location")]

    def __str__(self) -> str:
        return f"{self.day} {self.location_id} #{self.item}"


class AgentDay(models.Model):
    """Cases opened on one day per team and owner: the workload behind the People page."""

    day = models.DateField()
    team = models.ForeignKey("core.Team", on_delete=models.CASCADE, null=True, related_name="+")
    owner = models.ForeignKey("core.User", on_delete=models.CASCADE, related_name="+")
    cases = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    sla_breached = models.PositiveIntegerField(default=0)
    escalated = models.PositiveIntegerField(default=0)  # an SLA alert went out about the case
    reopened = models.PositiveIntegerField(default=0)
    follow_ups_answered = models.PositiveIntegerField(default=0)
    follow_ups_satisfied = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["day", "team"], name="agent_day_day_team")]

    def __str__(self) -> str:
        return f"{self.day} {self.owner_id}: {self.cases}"


class SilentDay(PlaceDay):
    """Customers unhappy but silent, per day their data said so and location (the at-risk worklist's rules read over
    the history), and how many of them we reached out to before they complained."""

    silent = models.PositiveIntegerField(default=0)
    reached = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["day", "location"], name="silent_day_day_location")]

    def __str__(self) -> str:
        return f"{self.day} {self.location_id}: {self.reached}/{self.silent}"


class FollowUpDay(PlaceDay):
    """Follow-up verdicts per day the case was resolved, location, team, first channel and category: the recovery
    rate at follow-up (the team and category are the follow-up's, kept from the resolution)."""

    channel = models.CharField(max_length=20)
    category = models.CharField(max_length=100)
    satisfied = models.PositiveIntegerField(default=0)
    neutral = models.PositiveIntegerField(default=0)
    unhappy = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["day", "location"], name="follow_up_day_day_location")]

    def __str__(self) -> str:
        return f"{self.day} {self.location_id}: {self.satisfied} satisfied"


class WeeklySummary(models.Model):
    """The Monday email about one week to one CX manager: queued once, sent once."""

    recipient = models.ForeignKey("core.User", on_delete=models.CASCADE, related_name="+")
    week = models.DateField()  # its Monday
    queued_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["recipient", "week"], name="weekly_summary_once")]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.week}"
