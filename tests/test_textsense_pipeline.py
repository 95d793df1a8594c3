"""The text model in the product: intake queues the reading, the worker reads and alerts, agents correct it,
the business's model learns, and the API shows what was read."""

from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from amends.cases.models import Case
from amends.core.errors import DomainError
from amends.intake.models import Feedback
from amends.textsense import selectors
from amends.textsense.models import LabelCorrection, TextModel, TextSense
from amends.textsense.services import feedback_analyse, label_correct
from amends.textsense.tasks import analyse_feedback_task, textsense_retrain_task

from .conftest import ApiClient, World, negative_survey

GOOD_SCORE_BAD_COMMENT = "The room was nice but the shower was broken and nobody came to fix it for three days."
PRAISE = "Everything was perfect, thank you!"


def happy_survey(text: str, external_id: str = "cust-1") -> dict:
    return negative_survey(external_id=external_id, scores={"nps": 9}, text=text)


def queued_analyses() -> int:
    return DBTaskResult.objects.filter(task_path__endswith="analyse_feedback_task").count()


@pytest.fixture(autouse=True)
def fresh_business_model() -> Any:
    selectors._loaded.clear()
    yield
    selectors._loaded.clear()


@pytest.mark.django_db
def test_intake_queues_the_reading_of_free_text_only(api: ApiClient, settings: Any) -> None:
    if settings.REDIS_URL:
        pytest.skip("this run uses the Redis queue")
    api.post("/feedback", happy_survey(PRAISE))
    api.post("/feedback", negative_survey(external_id="cust-2", text="   "))
    api.post("/feedback", negative_survey(external_id="cust-3"))
    assert queued_analyses() == 2


@pytest.mark.django_db
def test_the_task_fills_text_sense_once_per_model_version(api: ApiClient) -> None:
    feedback_id = api.post("/feedback", happy_survey(PRAISE)).json()["id"]
    assert analyse_feedback_task.call(feedback_id) is True
    sense = TextSense.objects.get(feedback_id=feedback_id)
    assert sense.language == "en" and sense.negative < 0.2 and sense.alert is False
    assert sense.model_version == selectors.current_analyser().version
    first_reading = sense.analysed_at
    assert analyse_feedback_task.call(feedback_id) is True
    assert TextSense.objects.get(feedback_id=feedback_id).analysed_at == first_reading
    assert TextSense.objects.count() == 1


@pytest.mark.django_db
def test_feedback_without_text_or_gone_is_not_read(api: ApiClient) -> None:
    feedback_id = api.post("/feedback", negative_survey(text="")).json()["id"]
    assert analyse_feedback_task.call(feedback_id) is False
    assert analyse_feedback_task.call(feedback_id + 1000) is False
    assert not TextSense.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_negative_comment_on_a_good_score_opens_a_case_through_the_worker(
    api: ApiClient, world: World, settings: Any
) -> None:
    if settings.REDIS_URL:
        pytest.skip("this run uses the Redis queue")
    body = api.post("/feedback", happy_survey(GOOD_SCORE_BAD_COMMENT)).json()
    assert body["case"] is None
    call_command("worker", burst=True)
    feedback = Feedback.objects.get(pk=body["id"])
    assert feedback.text_sense.alert is True
    case = Case.objects.get(pk=feedback.case_id)
    assert case.team == world.amsterdam
    assert case.summary.startswith("The room was nice")
    opened = case.events.get(kind="opened")
    assert opened.data == {"feedback_id": feedback.pk, "reason": "text"}
    # The new case's alert went out in the same worker run: within seconds of the answer.
    assert case.events.filter(kind="alert_sent").exists()
    assert {"alice@example.com", "bob@example.com"} <= {address for m in mail.outbox for address in m.to}


@pytest.mark.django_db
def test_a_praising_comment_opens_no_case_and_a_case_already_open_is_joined_not_doubled(api: ApiClient) -> None:
    praise_id = api.post("/feedback", happy_survey(PRAISE)).json()["id"]
    feedback_analyse(feedback_id=praise_id)
    assert not Case.objects.exists()
    case_id = api.post("/feedback", negative_survey(external_id="cust-2")).json()["case"]["id"]
    later_id = api.post("/feedback", happy_survey(GOOD_SCORE_BAD_COMMENT, external_id="cust-2")).json()["id"]
    feedback_analyse(feedback_id=later_id)
    assert Feedback.objects.get(pk=later_id).case_id == case_id
    assert Case.objects.count() == 1


def submit(api: ApiClient, text: str, external_id: str) -> Feedback:
    return Feedback.objects.get(pk=api.post("/feedback", happy_survey(text, external_id=external_id)).json()["id"])


@pytest.mark.django_db
def test_a_label_correction_changes_the_next_prediction(api: ApiClient, world: World) -> None:
    # A hotel without late room service: the guest states a known policy, not a failure.
    policy = submit(api, "No room service after ten, as the booking said.", "cust-1")
    minibar = submit(api, "The minibar was empty when we arrived.", "cust-2")
    before = feedback_analyse(feedback_id=policy.pk)
    assert before is not None and before.alert is True
    assert Case.objects.count() == 1
    minibar_before = feedback_analyse(feedback_id=minibar.pk)
    assert minibar_before is not None and minibar_before.category != "product_quality"
    label_correct(feedback=policy, field="negative", value="false", by=world.alice)
    label_correct(feedback=minibar, field="category", value="product_quality", by=world.alice)
    assert TextSense.objects.get(feedback=policy).negative == 0.0  # the agent's word shows at once
    assert textsense_retrain_task.call() == 2
    policy_again = feedback_analyse(feedback_id=submit(api, "No room service after ten, as the booking said!", "c3").pk)
    minibar_again = feedback_analyse(feedback_id=submit(api, "The minibar was empty when we arrived!", "c4").pk)
    assert policy_again is not None and policy_again.negative < 0.5 and policy_again.alert is False
    assert minibar_again is not None and minibar_again.category == "product_quality"
    assert policy_again.model_version.endswith(f"/b{TextModel.objects.get().pk}")


@pytest.mark.django_db
def test_retraining_without_new_corrections_trains_nothing(api: ApiClient, world: World) -> None:
    assert textsense_retrain_task.call() == 0
    feedback = Feedback.objects.get(pk=api.post("/feedback", happy_survey("Goed geregeld.")).json()["id"])
    label_correct(feedback=feedback, field="language", value="nl", by=world.alice)
    textsense_retrain_task.call()
    textsense_retrain_task.call()
    assert TextModel.objects.count() == 1
    assert selectors.current_analyser().languages_by_text == {"goed geregeld": "nl"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [("negative", "maybe"), ("category", "weather"), ("language", "pt"), ("sentiment", "true")],
)
def test_a_correction_must_name_a_known_field_and_value(api: ApiClient, world: World, field: str, value: str) -> None:
    feedback = Feedback.objects.get(pk=api.post("/feedback", happy_survey(PRAISE)).json()["id"])
    with pytest.raises(DomainError):
        label_correct(feedback=feedback, field=field, value=value, by=world.alice)
    assert not LabelCorrection.objects.exists()


@pytest.mark.django_db
def test_the_feedback_api_shows_what_the_text_model_read(api: ApiClient) -> None:
    feedback_id = api.post("/feedback", happy_survey(GOOD_SCORE_BAD_COMMENT)).json()["id"]
    assert api.get(f"/feedback/{feedback_id}").json()["text_sense"] is None
    feedback_analyse(feedback_id=feedback_id)
    sense = api.get(f"/feedback/{feedback_id}").json()["text_sense"]
    assert sense["language"] == "en" and sense["alert"] is True and sense["amazement"] is False
    assert 0.9 <= sense["negative"] <= 1.0
    assert sense["analysed_at"].endswith("Z")
    assert set(sense) == {"language", "negative", "alert", "category", "amazement", "model_version", "analysed_at"}


@pytest.mark.django_db
def test_a_text_rule_decides_after_reading_with_its_own_threshold_severity_and_team(
    api: ApiClient, world: World
) -> None:
    from amends.intake.models import DetectionRule

    DetectionRule.objects.create(
        name="Any doubt for VIPs", priority=1, conditions={"negative_min": 0.3, "segment": "VIP"},
        severity="critical", category="product_quality", team=world.berlin,
    )  # fmt: skip
    vip = negative_survey("vip-9", scores={"nps": 9}, text=GOOD_SCORE_BAD_COMMENT)
    vip["customer"]["segment"] = "VIP"
    feedback_id = api.post("/feedback", vip).json()["id"]
    feedback_analyse(feedback_id=feedback_id)
    case = Case.objects.get(pk=Feedback.objects.get(pk=feedback_id).case_id)
    assert (case.severity, case.category, case.team) == ("critical", "product_quality", world.berlin)


@pytest.mark.django_db
def test_a_text_rule_can_keep_a_negative_comment_out_of_the_inbox(api: ApiClient) -> None:
    from amends.intake.models import DetectionRule

    DetectionRule.objects.create(
        name="Survey comments go to analysis only", conditions={"negative_min": 0.0, "kind": "survey"}, action="ignore"
    )
    feedback_id = api.post("/feedback", happy_survey(GOOD_SCORE_BAD_COMMENT)).json()["id"]
    sense = feedback_analyse(feedback_id=feedback_id)
    assert sense is not None and sense.alert is True
    assert not Case.objects.exists()
