"""SERVQUAL: the 22-statement survey on the public page in the customer's language, and the gaps per statement,
dimension and location, weighted by importance points, checked against the per-respondent computation."""

import random
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client

from amends.analytics.services import facts_refresh
from amends.analytics.stats import SERVQUAL_DIMENSIONS, ServqualResponse, servqual_gaps
from amends.core.models import Location
from amends.customers.models import Customer
from amends.surveys.models import ServqualAnswer, Survey
from amends.surveys.services import invitation_create, servqual_answer, survey_token

from .conftest import ApiClient, World

pytestmark = pytest.mark.django_db

TODAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PERIOD = {"from": "2026-10-01", "to": "2026-11-22"}


def _survey(where: Location) -> Survey:
    return Survey.objects.create(slug=f"servqual-{where.code}", name="Service quality", location=where,
                                 instrument=Survey.Instrument.SERVQUAL)  # fmt: skip


def _link(survey: Survey, name: str, language: str = "nl") -> str:
    customer = Customer.objects.create(external_id=name, email=f"{name}@example.com", language=language)
    return f"/s/{survey_token(invitation_create(survey=survey, customer=customer))}/"


def _complete(expected: int = 6, experienced: int = 4, points: tuple[int, ...] = (10, 30, 20, 20, 20)) -> dict:
    form = {f"e_{n}": str(expected) for n in range(1, 23)} | {f"p_{n}": str(experienced) for n in range(1, 23)}
    return form | {f"w_{d}": str(p) for d, p in zip(SERVQUAL_DIMENSIONS, points, strict=True)}


def test_the_survey_page_asks_22_statements_twice_and_100_points(world: World) -> None:
    path = _link(_survey(world.ams), "anna")
    page = Client().get(path).content.decode()
    assert page.count("<select") == 44 and page.count('class="points"') == 5
    assert "Moderne apparatuur" in page  # the customer's language
    missing = Client().post(path, {**_complete(), "p_7": ""})
    assert missing.status_code == 422 and "Kies 1 tot 7." in missing.content.decode()
    wrong_points = Client().post(path, _complete(points=(10, 30, 20, 20, 10)))
    assert wrong_points.status_code == 422 and "90" in wrong_points.content.decode()
    assert not ServqualAnswer.objects.exists()
    assert Client().post(path, _complete()).status_code == 200
    answer = ServqualAnswer.objects.get()
    assert (answer.expectations, answer.perceptions) == ([6] * 22, [4] * 22)
    assert answer.importance == {"tangibles": 10, "reliability": 30, "responsiveness": 20, "assurance": 20,
                                 "empathy": 20}  # fmt: skip
    assert Client().post(path, _complete()).status_code == 410  # the link works once
    assert ServqualAnswer.objects.count() == 1


def _answers(world: World, count: int, where: Location, seed: int) -> list[ServqualResponse]:
    rng = random.Random(seed)
    survey = _survey(where)
    given = []
    for n in range(count):
        expectations = [rng.randint(4, 7) for _ in range(22)]
        # Reliability (statements 5-9) falls furthest short at this business.
        perceptions = [
            max(1, e - (3 if 5 <= item <= 9 else rng.randint(0, 1))) for item, e in enumerate(expectations, 1)
        ]
        cuts = sorted(rng.randint(0, 100) for _ in range(4))
        points = dict(
            zip(SERVQUAL_DIMENSIONS, [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)], strict=True)
        )
        with time_machine.travel(datetime(2026, 10, 5 + n % 20, 12, tzinfo=UTC), tick=False):
            link = _link(survey, f"{where.code}-{seed}-{n}").split("/")[2]
            servqual_answer(raw_token=link, expectations=expectations, perceptions=perceptions, importance=points)
        given.append(ServqualResponse(expectations, perceptions, points))
    return given


def test_the_gaps_match_the_per_respondent_computation(api: ApiClient, world: World) -> None:
    ams, ber = _answers(world, 30, world.ams, seed=1), _answers(world, 12, world.ber, seed=2)
    with time_machine.travel(TODAY, tick=False):
        facts_refresh()
        body = api.get("/analytics/servqual", **PERIOD).json()
        only_ams = api.get("/analytics/servqual", **PERIOD, location="ams").json()
    expected = servqual_gaps(ams + ber)
    assert body["answers"] == 42
    dimensions = {d["dimension"]: d for d in body["dimensions"]}
    assert {d: row["gap"] for d, row in dimensions.items()} == pytest.approx(expected.dimension_gaps)
    assert (body["unweighted"], body["weighted"]) == pytest.approx((expected.unweighted, expected.weighted))
    assert [item["gap"] for item in body["items"]] == pytest.approx(list(expected.item_gaps))
    assert body["largest_gap_dimension"] == "reliability" and dimensions["reliability"]["largest"] is True
    mean_points = sum(r.importance["empathy"] for r in ams + ber) / 42
    assert dimensions["empathy"]["importance"] == pytest.approx(mean_points)
    assert [(p["location"], p["answers"]) for p in body["locations"]] == [("ber", 12), ("ams", 30)]  # by name
    assert body["locations"][0]["dimension_gaps"] == pytest.approx(servqual_gaps(ber).dimension_gaps)
    assert only_ams["answers"] == 30 and only_ams["weighted"] == pytest.approx(servqual_gaps(ams).weighted)


def test_another_team_sees_only_its_locations(world: World) -> None:
    _answers(world, 3, world.ams, seed=3)
    _answers(world, 2, world.ber, seed=4)
    with time_machine.travel(TODAY, tick=False):
        facts_refresh()
        alice = ApiClient(world.alice).get("/analytics/servqual", **PERIOD).json()
        charlie = ApiClient(world.charlie).get("/analytics/servqual", **PERIOD).json()
    assert (alice["answers"], [p["location"] for p in alice["locations"]]) == (3, ["ams"])
    assert (charlie["answers"], charlie["largest_gap_dimension"], charlie["locations"]) == (0, None, [])


def test_an_incomplete_answer_is_refused_by_the_service(world: World) -> None:
    link = _link(_survey(world.ams), "bert").split("/")[2]
    with pytest.raises(Exception, match="share 100 points"):
        servqual_answer(raw_token=link, expectations=[5] * 21, perceptions=[5] * 22,
                        importance=dict.fromkeys(SERVQUAL_DIMENSIONS, 20))  # fmt: skip
    assert not ServqualAnswer.objects.exists()


def test_the_servqual_page_highlights_the_largest_gap(world: World) -> None:
    _answers(world, 20, world.ams, seed=5)
    client = Client()
    world.admin.language = "de"
    world.admin.save(update_fields=["language"])
    client.force_login(world.admin)
    with time_machine.travel(TODAY, tick=False):
        facts_refresh()
        page = client.get("/analytics/servqual/", {"since": "2026-10-01", "until": "2026-11-22"})
        exported = client.get("/analytics/export/servqual.csv", {"since": "2026-10-01", "until": "2026-11-22"})
    text = page.content.decode()
    assert page.status_code == 200 and text.count('class="chart chart-gap') == 2
    assert "<strong>Zuverlässigkeit</strong>" in text  # the largest gap, named in the reader's language
    lines = exported.content.decode().splitlines()
    assert lines[0] == "item,dimension,expectation,perception,gap" and len(lines) == 23
    assert lines[5].startswith("5,reliability,")
