"""`amends import feedback FILE`: Amends' own CSV, each row checked like POST /api/v1/feedback."""

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from amends.cases.models import Case, CaseEvent
from amends.customers.models import Customer, Interaction
from amends.intake.channels.csv import feedback_format
from amends.intake.channels.csv.readers import FileError
from amends.intake.channels.csv.records import ImportRecord, RowError
from amends.intake.models import Feedback, ImportRun

from .conftest import World

HEADER = list(feedback_format.COLUMNS)


def row(**values: str) -> dict[str, str]:
    base = dict.fromkeys(HEADER, "")
    base.update(
        external_id="r-1",
        customer_external_id="cust-1",
        customer_name="Anna de Vries",
        customer_email="anna@example.com",
        customer_language="nl",
        location="ams",
        channel="survey",
        kind="survey",
        nps="3",
        text="De kamer was niet schoon.",
        occurred_at="2026-11-20T10:00:00+01:00",
    )
    base.update(values)
    return base


def write_csv(path: Path, rows: list[dict[str, str]], header: list[str] | None = None) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header or HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


def run_import(*args: str) -> str:
    out = io.StringIO()
    call_command("import", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


# --- The format, without the database ------------------------------------------------------------------------------


def test_a_good_row_maps_onto_the_same_fields_as_the_api() -> None:
    record = feedback_format.map_row(4, row(csat="2", ces="6", interaction="order-9"))
    assert isinstance(record, ImportRecord)
    assert (record.row, record.source, record.external_ref) == (4, "csv", "r-1")
    assert record.customer.external_id == "cust-1"
    assert record.customer.language == "nl"
    assert (record.scores.nps, record.scores.csat, record.scores.ces) == (3, 2, 6)
    assert record.occurred_at == datetime(2026, 11, 20, 9, tzinfo=UTC)
    assert record.interaction_external_id == "order-9"


def test_empty_cells_are_fields_not_given() -> None:
    record = feedback_format.map_row(1, row(channel="", occurred_at="", nps="", customer_name="", text=""))
    assert isinstance(record, ImportRecord)
    assert record.channel == "api"
    assert record.customer.name is None
    assert record.scores.nps is None
    assert timezone.now() - record.occurred_at < timedelta(minutes=1)


@pytest.mark.parametrize(
    ("values", "code", "field"),
    [
        ({"nps": "11"}, "out_of_range", "nps"),
        ({"csat": "0"}, "out_of_range", "csat"),
        ({"nps": "lots"}, "invalid_value", "nps"),
        ({"kind": ""}, "missing_field", "kind"),
        ({"kind": "praise"}, "invalid_value", "kind"),
        ({"customer_external_id": ""}, "missing_field", "customer_external_id"),
        ({"customer_email": "not-an-address"}, "invalid_value", "customer_email"),
        ({"customer_language": "xx"}, "invalid_value", "customer_language"),
        ({"occurred_at": "2026-11-20T10:00:00"}, "invalid_value", "occurred_at"),
        ({"text": "x" * 20_001}, "too_long", "text"),
        ({"external_id": ""}, "missing_field", "external_id"),
        ({"external_id": "x" * 256}, "too_long", "external_id"),
    ],
)
def test_a_bad_row_is_refused_with_the_apis_error_code_and_its_column(values: dict, code: str, field: str) -> None:
    error = feedback_format.map_row(9, row(**values))
    assert isinstance(error, RowError), error
    assert (error.row, error.code, error.field) == (9, code, field)
    assert error.message


def test_a_header_with_unknown_or_missing_columns_is_refused_by_name() -> None:
    with pytest.raises(FileError) as refused:
        feedback_format.check_header(["external_id", "customer_external_id", "kind", "mood"])
    assert "unknown columns mood" in str(refused.value)
    assert "missing columns location" in str(refused.value)


def test_the_help_documents_every_column() -> None:
    for column in feedback_format.COLUMNS:
        assert column in feedback_format.FORMAT_HELP


def test_only_the_required_columns_must_be_present() -> None:
    feedback_format.check_header(["kind", "location", "customer_external_id", "external_id"])


# --- Importing -----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_negative_answer_opens_a_case_like_the_api_and_a_positive_one_does_not(world: World, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "feedback.csv",
        [row(), row(external_id="r-2", customer_external_id="cust-2", nps="9", text="Heerlijk!")],
    )
    before = timezone.now()
    out = run_import("feedback", str(path))
    assert "2/2 rows, 2 created, 0 rejected, 0 already imported" in out
    assert "1 cases opened this time" in out
    case = Case.objects.get()
    assert case.team == world.amsterdam
    assert case.status == "new"
    assert case.summary == "De kamer was niet schoon."
    assert before + timedelta(minutes=59) < case.first_response_due_at < timezone.now() + timedelta(minutes=61)
    assert case.due_at == case.first_response_due_at
    assert case.alert_sent_at is None
    negative = Feedback.objects.get(external_ref="r-1")
    assert list(case.events.values_list("kind", "data")) == [("opened", {"feedback_id": negative.pk})]
    assert (negative.source, negative.case, negative.language, negative.is_negative) == ("csv", case, "nl", True)
    positive = Feedback.objects.get(external_ref="r-2")
    assert (positive.case, positive.is_negative) == (None, False)
    assert Customer.objects.get(external_id="cust-1").name == "Anna de Vries"


@pytest.mark.django_db
def test_a_customers_second_failure_joins_the_open_case(world: World, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "feedback.csv",
        [
            row(text="", nps="5"),
            row(external_id="r-2", kind="complaint", channel="email", nps="", text="Nog steeds vies."),
            row(external_id="r-3", nps="0", text="Nooit meer."),
        ],
    )
    run_import("feedback", str(path), "--batch-size", "2")  # the third row joins a case of an earlier chunk
    case = Case.objects.get()
    assert Feedback.objects.filter(case=case).count() == 3
    assert case.summary == "Nog steeds vies."  # the customer's first words
    assert case.severity == "high"  # NPS 0 is very unhappy
    assert list(case.events.values_list("kind", "data")) == [
        ("opened", {"feedback_id": Feedback.objects.get(external_ref="r-1").pk}),
        ("feedback_added", {"feedback_id": Feedback.objects.get(external_ref="r-2").pk}),
        ("severity_raised", {"from": "low", "to": "medium"}),  # a passive-leaning detractor, then a complaint
        ("feedback_added", {"feedback_id": Feedback.objects.get(external_ref="r-3").pk}),
        ("severity_raised", {"from": "medium", "to": "high"}),
    ]


@pytest.mark.django_db
def test_a_known_customer_is_updated_and_keeps_what_the_file_does_not_say(world: World, tmp_path: Path) -> None:
    Customer.objects.create(external_id="cust-1", name="Anna", email="old@example.com", segment="VIP")
    path = write_csv(tmp_path / "feedback.csv", [row(customer_name="", customer_email="new@example.com", nps="9")])
    run_import("feedback", str(path))
    customer = Customer.objects.get()
    assert (customer.name, customer.email, customer.segment, customer.language) == (
        "Anna",
        "new@example.com",
        "VIP",
        "nl",
    )


@pytest.mark.django_db
def test_good_and_bad_rows_the_bad_ones_reported_with_reasons(world: World, tmp_path: Path) -> None:
    customer = Customer.objects.create(external_id="cust-9")
    Interaction.objects.create(
        external_id="order-1", customer=customer, location=world.ams, kind="order", occurred_at=timezone.now()
    )
    path = write_csv(
        tmp_path / "feedback.csv",
        [
            row(interaction="order-1"),
            row(external_id="r-2", location="nowhere"),
            row(external_id="r-3", nps="11"),
            row(external_id="r-4", interaction="order-404"),
            row(external_id="r-5", customer_external_id="cust-5", location="ber", kind="complaint", nps=""),
            row(external_id="", customer_external_id="cust-6"),
        ],
    )
    rejected_csv = tmp_path / "rejected.csv"
    out = run_import("feedback", str(path), "--rejected-csv", str(rejected_csv))
    assert "6/6 rows, 2 created, 4 rejected, 0 already imported" in out
    assert "row 2: unknown_location [location] There is no location with the code nowhere." in out
    assert "row 3: out_of_range [nps]" in out
    assert "row 4: unknown_interaction [interaction] There is no interaction with the external id order-404." in out
    assert "row 6: missing_field [external_id] external_id is empty." in out
    assert Feedback.objects.get(external_ref="r-1").interaction is not None
    assert Case.objects.get(customer__external_id="cust-5").team == world.berlin
    assert not Customer.objects.filter(external_id="cust-6").exists()  # nothing of a rejected row is stored
    with rejected_csv.open(encoding="utf-8") as handle:
        assert [line["code"] for line in csv.DictReader(handle)] == [
            "unknown_location",
            "out_of_range",
            "unknown_interaction",
            "missing_field",
        ]
    run = ImportRun.objects.get()
    assert (run.kind, run.status, run.created_count, run.rejected_count) == ("feedback", "done", 2, 4)


@pytest.mark.django_db
def test_reimporting_a_file_changes_nothing_and_a_new_file_skips_known_rows(world: World, tmp_path: Path) -> None:
    first = write_csv(tmp_path / "first.csv", [row(), row(external_id="r-2", nps="2")])
    run_import("feedback", str(first))
    counts = (Feedback.objects.count(), Case.objects.count(), CaseEvent.objects.count())
    assert "already imported" in run_import("feedback", str(first))
    assert (Feedback.objects.count(), Case.objects.count(), CaseEvent.objects.count()) == counts
    second = write_csv(tmp_path / "second.csv", [row(external_id="r-2", nps="2"), row(external_id="r-3")])
    out = run_import("feedback", str(second))
    assert "2/2 rows, 1 created, 0 rejected, 1 already imported" in out
    assert Feedback.objects.count() == 3
    assert Case.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_imported_texts_are_read_by_the_worker_in_one_task_per_chunk_and_a_bad_comment_opens_a_case(
    world: World, tmp_path: Path, settings: Any
) -> None:
    if settings.REDIS_URL:
        pytest.skip("this run uses the Redis queue")
    from django_tasks_db.models import DBTaskResult

    bad_comment = "The room was nice but the shower was broken and nobody came to fix it for three days."
    path = write_csv(
        tmp_path / "feedback.csv",
        [
            row(),
            row(external_id="r-2", customer_external_id="cust-2", nps="9", text=bad_comment, customer_language="en"),
            row(external_id="r-3", customer_external_id="cust-3", nps="9", text=""),
        ],
    )
    run_import("feedback", str(path))
    queued = DBTaskResult.objects.filter(task_path__endswith="analyse_feedback_many_task")
    assert queued.count() == 1 and Case.objects.count() == 1
    call_command("worker", burst=True)
    read = {f.external_ref: f for f in Feedback.objects.select_related("text_sense").exclude(text="")}
    assert set(read) == {"r-1", "r-2"} and read["r-1"].text_sense.language == "nl"
    assert read["r-2"].text_sense.alert is True
    opened = Case.objects.get(pk=read["r-2"].case_id)
    assert opened.events.get(kind="opened").data == {"feedback_id": read["r-2"].pk, "reason": "text"}
    run_import("feedback", str(path))  # nothing new: nothing more to read
    assert queued.count() == 1


@pytest.mark.django_db
def test_feedback_sent_through_the_api_before_is_not_imported_again(world: World, tmp_path: Path) -> None:
    first = write_csv(tmp_path / "first.csv", [row()])
    run_import("feedback", str(first))
    same_rows = write_csv(tmp_path / "again.csv", [row(), row(external_id="r-1")])
    out = run_import("feedback", str(same_rows))
    assert "2/2 rows, 0 created, 0 rejected, 2 already imported" in out


@pytest.mark.django_db
def test_a_file_with_an_unknown_column_is_refused_with_exit_status_1(world: World, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "feedback.csv", [{**row(), "mood": "grumpy"}], header=[*HEADER, "mood"])
    with pytest.raises(CommandError, match="unknown columns mood") as refused:
        run_import("feedback", str(path))
    assert refused.value.returncode == 1
    assert not Feedback.objects.exists()


@pytest.mark.django_db
def test_a_byte_order_mark_from_a_spreadsheet_is_accepted(world: World, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "feedback.csv", [row()])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert "1/1 rows, 1 created" in run_import("feedback", str(path))


@pytest.mark.django_db
def test_an_unknown_team_is_refused(world: World, tmp_path: Path, capsys: Any) -> None:
    with pytest.raises(CommandError, match="There is no team 'nobody'"):
        run_import("cfpb", str(tmp_path / "any.csv"), "--team", "nobody")


@pytest.mark.django_db
def test_a_customer_created_meanwhile_by_the_api_is_used_not_duplicated(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from amends.intake.channels.csv import writer

    Customer.objects.create(external_id="cust-1", name="Anna")
    real_lookup = writer._locked_customers
    lookups = {"n": 0}

    def not_there_yet(external_ids: Any) -> dict:
        lookups["n"] += 1
        return {} if lookups["n"] == 1 else real_lookup(external_ids)  # the API creates it right after our look

    monkeypatch.setattr(writer, "_locked_customers", not_there_yet)
    path = write_csv(tmp_path / "feedback.csv", [row(), row(external_id="r-2", customer_external_id="cust-2")])
    assert "2/2 rows, 2 created, 0 rejected" in run_import("feedback", str(path))
    assert Customer.objects.filter(external_id="cust-1").count() == 1
    assert Customer.objects.get(external_id="cust-1").email == "anna@example.com"  # updated with the row's fields
    assert Case.objects.count() == 2


@pytest.mark.django_db
def test_a_repeated_row_is_skipped_unless_its_first_copy_was_rejected(world: World, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "feedback.csv",
        [row(location="nowhere"), row(), row(), row(external_id="r-2")],
    )
    out = run_import("feedback", str(path))
    assert "4/4 rows, 2 created, 1 rejected, 1 already imported" in out
    assert Feedback.objects.filter(external_ref="r-1").count() == 1


@pytest.mark.django_db
def test_the_example_in_the_help_imports_as_shown(world: World, tmp_path: Path) -> None:
    example = [line.strip() for line in feedback_format.FORMAT_HELP.splitlines()[-2:]]
    path = tmp_path / "example.csv"
    path.write_text("\n".join(example) + "\n", encoding="utf-8")
    assert "1/1 rows, 1 created, 0 rejected" in run_import("feedback", str(path))
    assert Case.objects.get().summary == "De kamer was niet schoon."


@pytest.mark.django_db
def test_the_admins_detection_rules_decide_as_they_do_for_the_api(world: World, tmp_path: Path) -> None:
    from amends.intake.models import DetectionRule
    from amends.intake.verdict import forget_rules

    DetectionRule.objects.create(
        name="Refunds go to Berlin",
        priority=1,
        conditions={"keywords": ["refund"]},
        action="open_case",
        category="billing",
        team=world.berlin,
        severity="high",
        tags=["money"],
    )
    DetectionRule.objects.create(name="Test accounts", priority=2, conditions={"segment": "test"}, action="ignore")
    Customer.objects.create(external_id="tester", segment="test")
    forget_rules()
    path = write_csv(
        tmp_path / "feedback.csv",
        [
            row(nps="9", text="Lovely stay, but where is my refund?"),
            row(external_id="r-2", customer_external_id="tester", nps="0"),
        ],
    )
    run_import("feedback", str(path))
    case = Case.objects.get()
    assert (case.team, case.category, case.severity) == (world.berlin, "billing", "high")
    refund = Feedback.objects.get(external_ref="r-1")
    assert refund.is_negative is True
    assert refund.attributes == {"tags": ["money"], "rule": "Refunds go to Berlin"}
    ignored = Feedback.objects.get(external_ref="r-2")
    assert (ignored.is_negative, ignored.case, ignored.attributes["rule"]) == (False, None, "Test accounts")
