"""Half a year of history behind the demo, so that Learn has something to learn from: interactions at every
location, the cases that came of them (with their follow-ups), survey answers of customers who never had a
failure, and SERVQUAL answers. The Rotterdam hub has a storm in the last complete week, which its control chart
flags; recovered customers come out a little more satisfied than those who never failed, but not more loyal, and
those given money back more often than those given an explanation only. Some visits fail without a word from the
customer; about half of those were reached first, by a proactive case.

Written in bulk (tens of thousands of rows): each case still gets its opened and resolved timeline events.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import accumulate

from django.db import transaction

from amends.analytics.stats import SERVQUAL_DIMENSIONS, SERVQUAL_ITEM_DIMENSION
from amends.cases.enums import CaseStatus, EventKind, RecoveryOutcome, Severity
from amends.cases.models import Case, CaseEvent
from amends.cases.selectors import policy_targets, sla_policy_for
from amends.cases.sla import Targets
from amends.compensation.enums import GestureType, recovery_outcome_of
from amends.compensation.models import LedgerEntry
from amends.compensation.services import fulfilment_of
from amends.core.clock import add_business_time
from amends.core.enums import Role
from amends.core.models import Location, User
from amends.customers.models import Customer, Interaction
from amends.followups.enums import FollowUpStatus, Verdict
from amends.followups.models import FollowUp
from amends.intake.enums import Channel, FeedbackKind
from amends.intake.models import Feedback
from amends.surveys.models import Invitation, ServqualAnswer, Survey

WEEKS = 26
PREFIX = "demo-hist"
CUSTOMERS_PER_LOCATION = 3000  # about four visits each in half a year: not everyone comes back
VISITS_PER_WEEK = 400  # interactions per location and week
FAILURE_RATE = 0.03
STORM = ("rtm-webshop-hub", 1, 8.0)  # location, the last complete weeks it lasted, failure rate times normal
SILENT_RATE = 0.015  # visits that failed by the business's own data, and the customer said nothing
REACHED_SHARE = 0.45  # of those, the ones an agent reached out to first
SURVEY_SHARE = 0.3  # of the visits of customers who never failed
FOLLOW_UP_SHARE = 0.6  # of the history cases, answered
SERVQUAL_ANSWERS = 36  # per location, over the last eight weeks
CATEGORIES = {
    "stay": ("cleanliness", "booking", "staff_behaviour", "billing"),
    "delivery": ("delivery", "delivery", "billing", "staff_behaviour"),
    "store": ("product_quality", "billing", "staff_behaviour"),
    "flight": ("delay", "delay", "booking", "staff_behaviour"),
}
# What a silent failure looks like in the business system's data, and the category its proactive case gets.
SILENT_FAILURE = {
    "stay": ({"status": "cancelled"}, "booking"),
    "delivery": ({"status": "delayed", "delivery_delay_hours": 48}, "delivery"),
    "store": ({"status": "damaged"}, "product_quality"),
    "flight": ({"status": "delayed", "delay_minutes": 190}, "delay"),
}
# The gestures given on history cases, as shares of them; the other cases got an explanation only.
GESTURE_MIX = {
    GestureType.REFUND: 0.07, GestureType.PARTIAL_REFUND: 0.15, GestureType.WAIVED_FEE: 0.08,
    GestureType.VOUCHER: 0.15, GestureType.UPGRADE: 0.05, GestureType.GIFT: 0.05, GestureType.APOLOGY_ONLY: 0.15,
}  # fmt: skip
PRICE = {"stay": 160, "delivery": 35, "store": 60, "flight": 180}  # what a visit costs, in EUR
# Where each kind of business falls furthest short of what its customers expect.
WEAKEST = {"stay": "tangibles", "delivery": "reliability", "store": "responsiveness", "flight": "reliability"}
CHANNELS = (Channel.WEB, Channel.EMAIL, Channel.PHONE, Channel.CHAT, Channel.SOCIAL)
LANGUAGES = {"NL": ("nl", "nl", "en"), "DE": ("de", "de", "en"), "IT": ("it", "it", "en"), "FR": ("fr", "fr", "en"),
             "ES": ("es", "es", "en")}  # fmt: skip


@dataclass(frozen=True)
class Place:
    location: Location
    touchpoint: str
    kind: str


def history_load(places: list[Place], now: datetime, rng: random.Random) -> None:
    """Add the history once: a second load finds it and leaves it as it is."""
    if Interaction.objects.filter(external_id__startswith=f"{PREFIX}-").exists():
        return
    start = _this_monday(now) - timedelta(weeks=WEEKS)
    seed = rng.getrandbits(32)
    with transaction.atomic():
        for place in places:
            _location_history(place, start, now, seed)


def _this_monday(now: datetime) -> datetime:
    return (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)


def _stage(seed: int, place: Place, stage: str) -> random.Random:
    """A random stream per location and stage: how many visits fall before `now` changes with the time of day, and
    must not change what every later stage draws (the demo would differ by the hour it is loaded)."""
    return random.Random(f"{seed}:{place.location.code}:{stage}")


def _location_history(place: Place, start: datetime, now: datetime, seed: int) -> None:
    location = place.location
    languages, spoken = _stage(seed, place, "languages"), LANGUAGES.get(location.country, ("en",))
    customers = Customer.objects.bulk_create(
        Customer(external_id=f"{PREFIX}-{location.code}-{n:03d}", name=f"Guest {n}", language=languages.choice(spoken))
        for n in range(CUSTOMERS_PER_LOCATION)
    )
    visits = _visits(place, customers, start, now, _stage(seed, place, "visits"))
    failing = _failures(place, visits, now, _stage(seed, place, "failures"))
    cases = _cases(place, failing, _stage(seed, place, "cases"))
    outcomes = _gestures(place, cases, now, _stage(seed, place, "gestures"))
    _follow_ups(cases, outcomes, now, _stage(seed, place, "follow-ups"))
    failed_customers = {visit.customer_id for visit in failing}
    silent = _silent_failures(place, [v for v in visits if v.customer_id not in failed_customers], now,
                              _stage(seed, place, "silent"))  # fmt: skip
    failed_customers |= {visit.customer_id for visit in silent}
    _surveys(place, [v for v in visits if v.customer_id not in failed_customers], now, _stage(seed, place, "surveys"))
    _servqual(place, customers, now, _stage(seed, place, "servqual"))


def _visits(place: Place, customers: list[Customer], start: datetime, now: datetime, rng: random.Random) -> list:
    rows = []
    for week in range(WEEKS + 1):
        monday = start + timedelta(weeks=week)
        for n in range(VISITS_PER_WEEK):
            moment = monday + timedelta(minutes=rng.randrange(7 * 24 * 60))
            if moment >= now:
                continue
            rows.append(Interaction(
                external_id=f"{PREFIX}-{place.location.code}-{week:02d}-{n:03d}", customer=rng.choice(customers),
                location=place.location, kind=place.kind, occurred_at=moment,
            ))  # fmt: skip
    return Interaction.objects.bulk_create(rows, batch_size=2000)


def _failures(place: Place, visits: list[Interaction], now: datetime, rng: random.Random) -> list[Interaction]:
    """The visits that went wrong: a few percent, many more in the storm week at the hub."""
    code, weeks_ago, factor = STORM
    this_monday = _this_monday(now)
    storm_start = this_monday - timedelta(weeks=weeks_ago)
    failing = []
    for visit in visits:
        stormy = place.location.code == code and storm_start <= visit.occurred_at < this_monday
        # Old enough to be resolved by now (opened within 12 hours, resolved within 48).
        if rng.random() < FAILURE_RATE * (factor if stormy else 1) and visit.occurred_at < now - timedelta(hours=60):
            failing.append(visit)
    return failing


def _cases(place: Place, failing: list[Interaction], rng: random.Random) -> list[Case]:
    location = place.location
    channels = [rng.choice(CHANNELS) for _ in failing]
    cases = Case.objects.bulk_create(
        [
            _closed_case(place, visit, visit.occurred_at + timedelta(hours=rng.randint(1, 12)), channel, rng)
            for visit, channel in zip(failing, channels, strict=True)
        ],
        batch_size=1000,
    )
    feedback = []
    for case, visit, channel in zip(cases, failing, channels, strict=True):
        feedback.append(Feedback(
            customer_id=case.customer_id, location=location, interaction=visit, case=case, is_negative=True,
            channel=channel,
            kind=FeedbackKind.COMPLAINT, occurred_at=case.created_at, source=PREFIX, external_ref=visit.external_id,
        ))  # fmt: skip
    feedback = Feedback.objects.bulk_create(feedback, batch_size=1000)
    _timelines(cases, [{"feedback_id": said.pk} for said in feedback])
    return cases


def _closed_case(
    place: Place, visit: Interaction, opened: datetime, channel: str, rng: random.Random, category: str = ""
) -> Case:
    """A case about this visit, opened then, resolved within two days and closed."""
    location = place.location
    resolved = opened + timedelta(hours=rng.randint(2, 48))
    severity = rng.choices([Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL], [30, 50, 15, 5])[0]
    category = category or rng.choice(CATEGORIES[place.touchpoint])
    policy = sla_policy_for(severity=severity, segment="", channel=channel, category=category)
    targets = policy_targets(policy)
    resolution_due = _due(targets, opened, targets.resolution)
    return Case(
        customer_id=visit.customer_id, location=location, team_id=location.team_id, status=CaseStatus.CLOSED,
        severity=severity, category=category, created_at=opened, sla_policy=policy,
        summary=f"{visit.kind.capitalize()} {visit.external_id.rsplit('-', 2)[-2]}", resolution="Put right.",
        first_response_due_at=_due(targets, opened, targets.first_response),
        first_response_at=opened + timedelta(minutes=rng.randint(10, 100)), resolution_due_at=resolution_due,
        resolved_at=resolved, sla_met=resolved <= resolution_due,
        first_response_business_minutes=rng.randint(10, 100),
        resolution_business_minutes=int((resolved - opened).total_seconds() // 60),
        contacts=rng.choice((1, 1, 1, 2, 3)), transfers=rng.choice((0, 0, 0, 1)),
    )  # fmt: skip


def _timelines(cases: list[Case], opened_data: list[dict]) -> None:
    """Each case's opened and resolved events."""
    events = []
    for case, data in zip(cases, opened_data, strict=True):
        assert case.resolved_at is not None
        events += [
            CaseEvent(case=case, kind=EventKind.OPENED, data=data, created_at=case.created_at),
            CaseEvent(case=case, kind=EventKind.RESOLVED, data={"category": case.category, "resolution": "Put right."},
                      created_at=case.resolved_at),
        ]  # fmt: skip
    CaseEvent.objects.bulk_create(events, batch_size=2000)


def _silent_failures(place: Place, visits: list[Interaction], now: datetime, rng: random.Random) -> list[Interaction]:
    """Visits that failed by the data with nobody complaining; some of them reached first by a proactive case
    within three days (the at-risk list shows the rest of the last month)."""
    attributes, category = SILENT_FAILURE[place.touchpoint]
    silent = [visit for visit in visits if rng.random() < SILENT_RATE]
    for visit in silent:
        visit.attributes = attributes
    Interaction.objects.bulk_update(silent, ["attributes"], batch_size=1000)
    reached = []
    for visit in silent:
        opened = visit.occurred_at + timedelta(hours=rng.randint(2, 72))
        if rng.random() < REACHED_SHARE and opened < now - timedelta(hours=48):
            reached.append(_closed_case(place, visit, opened, "", rng, category))
    cases = Case.objects.bulk_create(reached, batch_size=1000)
    _timelines(cases, [{"proactive": "failed_interaction"}] * len(cases))
    return silent


def _due(targets: Targets, start: datetime, span: timedelta) -> datetime:
    due = add_business_time(targets.calendar, start, span)
    assert due is not None, "the demo's calendars are open every week"
    return due


def _gestures(place: Place, cases: list[Case], now: datetime, rng: random.Random) -> dict[int, str]:
    """The gesture each case got, on the ledger at its resolution, given by an agent of the location's team; returns
    each case's recovery outcome. Nothing is dated today, so the agents' daily spending limits are untouched."""
    givers = list(User.objects.filter(teams=place.location.team_id, groups__name=Role.AGENT).order_by("pk"))
    types, shares = list(GESTURE_MIX), list(GESTURE_MIX.values())
    price = PRICE[place.touchpoint]
    amounts = {GestureType.REFUND: price, GestureType.PARTIAL_REFUND: round(price * 0.3), GestureType.GIFT: 15,
               GestureType.WAIVED_FEE: 7.95 if place.touchpoint == "delivery" else 15}  # fmt: skip
    entries: list[LedgerEntry] = []
    outcomes: dict[int, str] = {}
    for case in cases:
        assert case.resolved_at is not None
        draw = rng.random()
        kind = next((t for t, edge in zip(types, accumulate(shares), strict=True) if draw < edge), None)
        if kind is None or not givers or case.resolved_at >= now - timedelta(days=1):
            outcomes[case.pk] = RecoveryOutcome.EXPLANATION
            continue
        amount = rng.choice((25, 50)) if kind == GestureType.VOUCHER else amounts.get(kind, 0)
        entries.append(LedgerEntry(
            case=case, customer_id=case.customer_id, type=kind, amount=Decimal(str(amount)), currency="EUR",
            category=case.category, location=place.location, team_id=case.team_id, offered_by=rng.choice(givers),
            **fulfilment_of(kind, case.resolved_at),
        ))  # fmt: skip
        outcomes[case.pk] = recovery_outcome_of(kind)
    entries = LedgerEntry.objects.bulk_create(entries, batch_size=1000)
    for entry in entries:  # created_at is set on insert; the gesture was given when the case was resolved
        assert entry.case is not None and entry.case.resolved_at is not None
        entry.created_at = entry.case.resolved_at
    LedgerEntry.objects.bulk_update(entries, ["created_at"], batch_size=1000)
    return outcomes


# Answers at follow-up by verdict: (overall 1-5, recommend 0-10, buy again 1-5) as (low, high) ranges.
FOLLOW_UP_ANSWERS = {
    Verdict.SATISFIED: ((4, 5), (7, 10), (3, 5)),
    Verdict.NEUTRAL: ((3, 4), (6, 8), (2, 4)),
    Verdict.UNHAPPY: ((1, 2), (0, 5), (1, 3)),
}
# How often customers answer satisfied, neutral, unhappy by what they were given: about 65/15/20 over all cases.
VERDICT_SHARES = {
    RecoveryOutcome.MONETARY_RELIEF: (0.75, 0.15, 0.10),
    RecoveryOutcome.NON_MONETARY_RELIEF: (0.68, 0.15, 0.17),
    RecoveryOutcome.EXPLANATION: (0.57, 0.15, 0.28),
}


def _follow_ups(cases: list[Case], outcomes: dict[int, str], now: datetime, rng: random.Random) -> None:
    verdicts = list(FOLLOW_UP_ANSWERS)
    rows = []
    for case in cases:
        if rng.random() >= FOLLOW_UP_SHARE or case.resolved_at is None:
            continue
        verdict = rng.choices(verdicts, VERDICT_SHARES[RecoveryOutcome(outcomes[case.pk])])[0]
        overall, recommend, again = FOLLOW_UP_ANSWERS[verdict]
        due = case.resolved_at + timedelta(days=7)
        answered = due + timedelta(hours=rng.randint(1, 72))
        if answered >= now:
            continue
        rows.append(FollowUp(
            case=case, customer_id=case.customer_id, team_id=case.team_id, category=case.category, language="en",
            status=FollowUpStatus.ANSWERED, nonce=f"{PREFIX}-{case.pk}", resolved_at=case.resolved_at, due_at=due,
            remind_at=due + timedelta(days=3), closes_at=due + timedelta(days=14), sent_at=due,
            answered_at=answered, verdict=verdict, overall=rng.randint(*overall),
            nps=rng.randint(*recommend), repurchase=rng.randint(*again),
        ))  # fmt: skip
    FollowUp.objects.bulk_create(rows, batch_size=1000)


def _surveys(place: Place, visits: list[Interaction], now: datetime, rng: random.Random) -> None:
    """Survey answers after calm visits: satisfied, a shade below the well-recovered on satisfaction, and never
    lukewarm without a word (the at-risk rules would count that as a silent failure of its own)."""
    rows = []
    for visit in visits:
        if rng.random() >= SURVEY_SHARE:
            continue
        answered = visit.occurred_at + timedelta(hours=rng.randint(2, 48))
        if answered >= now:
            continue
        rows.append(Feedback(
            customer_id=visit.customer_id, location=place.location, interaction=visit, channel=Channel.SURVEY,
            kind=FeedbackKind.SURVEY, csat=rng.choice((4, 4, 4, 4, 5, 5)), nps=rng.choice((8, 8, 8, 8, 9, 9, 9, 10)),
            repurchase=rng.randint(3, 5), occurred_at=answered, source=PREFIX,
            external_ref=f"survey-{visit.external_id}",
        ))  # fmt: skip
    Feedback.objects.bulk_create(rows, batch_size=2000)


def _servqual(place: Place, customers: list[Customer], now: datetime, rng: random.Random) -> None:
    location = place.location
    survey, _created = Survey.objects.get_or_create(
        slug=f"servqual-{location.code}",
        defaults={"name": f"Service quality, {location.name}", "location": location,
                  "instrument": Survey.Instrument.SERVQUAL, "is_active": False},
    )  # fmt: skip
    weakest = WEAKEST[place.touchpoint]
    invitations, answers = [], []
    for n, customer in enumerate(rng.sample(customers, SERVQUAL_ANSWERS)):
        answered = now - timedelta(days=rng.randint(1, 56), hours=rng.randint(0, 12))
        invitations.append(Invitation(
            survey=survey, customer=customer, nonce=f"{PREFIX}-{location.code}-{n}", language=customer.language,
            created_at=answered - timedelta(days=1), expires_at=answered + timedelta(days=13),
            sent_at=answered - timedelta(days=1), answered_at=answered,
        ))  # fmt: skip
        expectations = [rng.randint(5, 7) for _ in SERVQUAL_ITEM_DIMENSION]
        perceptions = [
            max(1, e - (rng.randint(1, 3) if d == weakest else rng.randint(0, 1)))
            for e, d in zip(expectations, SERVQUAL_ITEM_DIMENSION, strict=True)
        ]
        cuts = sorted(rng.randint(0, 100) for _ in range(len(SERVQUAL_DIMENSIONS) - 1))
        points = [high - low for low, high in zip([0, *cuts], [*cuts, 100], strict=True)]
        answers.append(
            (customer, answered, expectations, perceptions, dict(zip(SERVQUAL_DIMENSIONS, points, strict=True)))
        )
    invitations = Invitation.objects.bulk_create(invitations)
    ServqualAnswer.objects.bulk_create(
        ServqualAnswer(invitation=invitation, customer=customer, location=location, expectations=expectations,
                       perceptions=perceptions, importance=importance, language=customer.language, answered_at=at)
        for invitation, (customer, at, expectations, perceptions, importance) in zip(invitations, answers, strict=True)
    )  # fmt: skip
