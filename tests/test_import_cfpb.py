"""`amends import cfpb FILE`: real CFPB complaints in, as complaints with resolved or open recovery cases.

Slices of the shared data (../shared/data, never copied into the repository) are written to tmp_path per test.
"""

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils.text import slugify

from amends.cases.models import Case, CaseEvent
from amends.core.models import Location
from amends.customers.models import Customer
from amends.intake.channels.csv import importer
from amends.intake.models import Feedback, ImportRun

from .conftest import World

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "cfpb"
EXPORT = DATA / "cfpb_export_with_narratives.csv"
PARQUET = DATA / "cfpb_2023_api_fields.parquet"
OUTCOMES = {
    "In progress": "in_progress",
    "Closed with explanation": "explanation",
    "Closed with non-monetary relief": "non_monetary_relief",
    "Closed with monetary relief": "monetary_relief",
    "Untimely response": "untimely",
}
YES_NO = {"Yes": True, "No": False, "N/A": None}


def require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"the shared CFPB data is not at {path} (see /work/shared/data/README.md)")
    return path


def export_rows() -> tuple[list[str], list[dict[str, str]]]:
    with require(EXPORT).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def varied_slice(rows: list[dict[str, str]], size: int = 50) -> list[dict[str, str]]:
    """The first rows, plus the rare ones: late answers, a dispute, and money paid back."""
    rare = [
        row
        for row in rows
        if row["Timely_response?"] == "No"
        or row["Consumer_disputed?"] == "No"
        or row["Company_response_to_consumer"] in ("Untimely response", "Closed with monetary relief")
    ][:20]
    return rare + rows[: size - len(rare)]


def write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def run_import(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def slice_csv(tmp_path: Path) -> tuple[Path, list[dict[str, str]]]:
    header, rows = export_rows()
    chosen = varied_slice(rows)
    return write_csv(tmp_path / "cfpb-slice.csv", header, chosen), chosen


def test_a_slice_of_the_real_export_becomes_50_complaints_with_their_outcomes(slice_csv: Any) -> None:
    path, rows = slice_csv
    out, err = run_import("cfpb", str(path))
    assert "50/50 rows, 50 created, 0 rejected, 0 already imported" in out
    assert "underscore header" in out
    assert "rows/s" in err
    assert Feedback.objects.filter(source="cfpb", kind="complaint").count() == 50
    assert Case.objects.count() == 50
    for row in rows:
        feedback = Feedback.objects.select_related("case", "customer", "location").get(external_ref=row["Complaint_ID"])
        case = feedback.case
        assert case is not None
        assert case.outcome == OUTCOMES[row["Company_response_to_consumer"]]
        assert case.category == slugify(row["Issue"])
        assert case.sla_met is YES_NO[row["Timely_response?"]]
        assert case.outcome_disputed is YES_NO[row["Consumer_disputed?"]]
        assert feedback.customer.external_id == f"cfpb-{row['Complaint_ID']}"
        assert feedback.location.country == "US"
        assert feedback.attributes["submitted_via"] == row["Submitted_via"]
        assert case.alert_sent_at is not None  # history: nobody is alerted, now or later
    assert {"monetary_relief", "explanation", "untimely", "in_progress"} <= set(
        Case.objects.values_list("outcome", flat=True)
    )


def test_a_closed_complaint_is_imported_resolved_with_a_typed_timeline(slice_csv: Any) -> None:
    path, rows = slice_csv
    run_import("cfpb", str(path))
    row = next(row for row in rows if row["Company_response_to_consumer"] == "Closed with monetary relief")
    case = Case.objects.get(feedback__external_ref=row["Complaint_ID"])
    assert case.status == "resolved"
    assert case.resolution == "Closed with monetary relief"
    assert case.resolved_at == case.first_response_at
    assert case.created_at == case.feedback.get().occurred_at
    assert case.due_at is None
    timeline = list(case.events.values_list("kind", "data"))
    assert timeline == [
        ("opened", {"feedback_id": case.feedback.get().pk}),
        ("status_changed", {"from": "new", "to": "in_progress"}),
        ("status_changed", {"from": "in_progress", "to": "resolved"}),
        ("resolved", {"category": case.category, "resolution": "Closed with monetary relief"}),
    ]


def test_a_complaint_in_progress_stays_open_and_sorted_by_its_deadline(slice_csv: Any) -> None:
    path, rows = slice_csv
    run_import("cfpb", str(path))
    row = next(row for row in rows if row["Company_response_to_consumer"] == "In progress")
    case = Case.objects.get(feedback__external_ref=row["Complaint_ID"])
    assert case.status == "in_progress"
    assert case.resolved_at is None
    assert case.due_at == case.resolution_due_at
    assert list(case.events.values_list("kind", flat=True)) == ["opened", "status_changed"]


def test_one_location_per_product_is_created_for_the_chosen_team(slice_csv: Any, world: World) -> None:
    path, rows = slice_csv
    run_import("cfpb", str(path), "--team", "berlin")
    products = {row["Product"] for row in rows}
    created = Location.objects.filter(code__startswith="cfpb-")
    assert created.count() == len({product.split(",")[0] for product in products})
    assert set(created.values_list("team__slug", flat=True)) == {"berlin"}
    assert set(Case.objects.values_list("team__slug", flat=True)) == {"berlin"}


def test_importing_the_same_file_twice_changes_nothing(slice_csv: Any) -> None:
    path, _rows = slice_csv
    run_import("cfpb", str(path))
    counts = (Feedback.objects.count(), Case.objects.count(), CaseEvent.objects.count(), Customer.objects.count())
    out, _err = run_import("cfpb", str(path))
    assert "was already imported" in out
    assert "nothing changed" in out
    assert (Feedback.objects.count(), Case.objects.count(), CaseEvent.objects.count(), Customer.objects.count()) == (
        counts
    )
    assert ImportRun.objects.get().status == "done"


def test_another_file_with_the_same_complaints_skips_them(slice_csv: Any, tmp_path: Path) -> None:
    path, rows = slice_csv
    run_import("cfpb", str(path))
    header, _all = export_rows()
    grown = write_csv(tmp_path / "grown.csv", header, [*rows[:10], *_all[100:105]])
    out, _err = run_import("cfpb", str(grown))
    assert "15/15 rows, 5 created, 0 rejected, 10 already imported" in out
    assert Feedback.objects.count() == 55
    assert ImportRun.objects.count() == 2


def test_an_import_stopped_by_limit_resumes_where_it_stopped(slice_csv: Any) -> None:
    path, _rows = slice_csv
    out, _err = run_import("cfpb", str(path), "--limit", "20", "--batch-size", "7")
    assert "Stopped after 20 rows" in out
    assert "continue from row 21" in out
    run = ImportRun.objects.get()
    assert (run.status, run.processed_rows, run.created_count) == ("running", 20, 20)
    assert Feedback.objects.count() == 20
    out, _err = run_import("cfpb", str(path), "--batch-size", "7")
    assert "50/50 rows, 50 created" in out
    assert Feedback.objects.count() == Case.objects.count() == 50
    assert ImportRun.objects.get().status == "done"


def test_an_import_that_crashed_midway_resumes_without_duplicates(
    slice_csv: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _rows = slice_csv
    real_write_chunk = importer.write_chunk
    calls = {"n": 0}

    def crash_on_the_third_chunk(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("the database went away")
        return real_write_chunk(*args, **kwargs)

    monkeypatch.setattr(importer, "write_chunk", crash_on_the_third_chunk)
    with pytest.raises(RuntimeError):
        run_import("cfpb", str(path), "--batch-size", "10")
    run = ImportRun.objects.get()
    assert (run.status, run.processed_rows) == ("failed", 20)
    assert Feedback.objects.count() == 20  # the two committed chunks; the third rolled back

    monkeypatch.setattr(importer, "write_chunk", real_write_chunk)
    run_import("cfpb", str(path), "--batch-size", "10")
    assert Feedback.objects.count() == Case.objects.count() == Customer.objects.count() == 50
    assert ImportRun.objects.get().status == "done"


def broken(rows: list[dict[str, str]], **changes: str) -> dict[str, str]:
    return {**rows[0], **changes}


def test_rejected_rows_are_reported_with_row_code_field_and_reason(tmp_path: Path) -> None:
    header, rows = export_rows()
    bad = [
        rows[0],
        broken(rows[1:], Date_received="someday"),
        rows[2],
        broken(rows[3:], Company_response_to_consumer="Closed by magic"),
        broken(rows[4:], Complaint_ID=""),
        rows[5],
    ]
    path = write_csv(tmp_path / "bad.csv", header, bad)
    rejected_csv = tmp_path / "rejected.csv"
    out, _err = run_import("cfpb", str(path), "--rejected-csv", str(rejected_csv))
    assert "6/6 rows, 3 created, 3 rejected" in out
    assert "row 2: invalid_value [Date_received] Date_received: 'someday' is not a date" in out
    assert "row 4: invalid_value [Company_response_to_consumer]" in out
    assert "row 5: missing_field [Complaint_ID] Complaint_ID is empty." in out
    run = ImportRun.objects.get()
    assert run.status == "done"
    assert [(item["row"], item["code"]) for item in run.rejected] == [
        (2, "invalid_value"),
        (4, "invalid_value"),
        (5, "missing_field"),
    ]
    with rejected_csv.open(encoding="utf-8") as handle:
        written = list(csv.DictReader(handle))
    assert [(item["row"], item["code"], item["field"]) for item in written] == [
        ("2", "invalid_value", "Date_received"),
        ("4", "invalid_value", "Company_response_to_consumer"),
        ("5", "missing_field", "Complaint_ID"),
    ]


def test_a_row_with_too_many_values_is_rejected_and_the_rest_imported(tmp_path: Path) -> None:
    header, rows = export_rows()
    path = write_csv(tmp_path / "ok.csv", header, rows[:3])
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] += ",surplus"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out, _err = run_import("cfpb", str(path))
    assert "3/3 rows, 2 created, 1 rejected" in out
    assert "row 2: invalid_value [-] The row has 19 values; the header has 18 columns." in out


def test_a_file_with_an_unknown_header_is_refused_naming_the_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("Date received,Product,Issue,Complaint ID\n2023-04-27,Mortgage,Late,1\n", encoding="utf-8")
    with pytest.raises(CommandError, match="missing columns Company response to consumer, Timely response"):
        run_import("cfpb", str(path))
    assert not ImportRun.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "Cannot read"),
        (b"Complaint ID,Product\n1,\xff\xfe broken\n", "is not UTF-8"),
        (b"", "is empty"),
    ],
    ids=["missing", "not-utf8", "empty"],
)
def test_an_unreadable_file_is_refused_before_anything_is_written(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "complaints.csv"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        run_import("cfpb", str(path))
    assert not ImportRun.objects.exists()
    assert not Feedback.objects.exists()


def write_parquet_slice(path: Path, size: int = 50) -> Path:
    pq = pytest.importorskip("pyarrow.parquet")
    table = pq.read_table(require(PARQUET)).slice(0, size)
    pq.write_table(table, path)
    return path


def test_the_api_parquet_export_imports_too(tmp_path: Path) -> None:
    path = write_parquet_slice(tmp_path / "cfpb.parquet")
    out, _err = run_import("cfpb", str(path), "--batch-size", "20")
    assert "as CFPB complaints (api header)" in out
    assert "50/50 rows, 50 created, 0 rejected" in out
    import pyarrow.parquet as pq

    rows = pq.read_table(path).to_pylist()
    for row in rows[:50]:
        case = Case.objects.get(feedback__external_ref=row["complaint_id"])
        assert case.outcome == OUTCOMES[row["company_response"]]
        assert case.sla_met is YES_NO[row["timely"]]
        assert case.category == slugify(row["issue"])
    with_text = next(row for row in rows if row["complaint_what_happened"])
    assert Feedback.objects.get(external_ref=with_text["complaint_id"]).text == with_text["complaint_what_happened"]


def test_a_parquet_import_resumes_in_the_middle_of_a_batch(tmp_path: Path) -> None:
    path = write_parquet_slice(tmp_path / "cfpb.parquet", size=30)
    run_import("cfpb", str(path), "--limit", "13")
    run_import("cfpb", str(path))
    assert Feedback.objects.count() == 30
    assert ImportRun.objects.get().processed_rows == 30


def test_after_importing_both_files_the_dashboards_show_the_real_distribution(world: World) -> None:
    # Counted straight from the files, the first occurrence of each complaint: what Learn must show.
    import collections

    import pyarrow.parquet as pq

    from amends.analytics.services import facts_refresh

    from .conftest import ApiClient

    complaints: dict[str, tuple[str, str, str, str]] = {}
    _header, rows = export_rows()
    for row in rows:  # the period below is 2023; a few complaints in the export are years older
        if row["Date_received"].endswith("2023"):
            complaints.setdefault(row["Complaint_ID"], (row["Issue"], row["Submitted_via"], row["Timely_response?"],
                                                        row["Company_response_to_consumer"]))  # fmt: skip
    for row in pq.read_table(require(PARQUET)).to_pylist():
        assert str(row["date_received"]).startswith("2023")
        complaints.setdefault(str(row["complaint_id"]), (row["issue"], row["submitted_via"], row["timely"],
                                                         row["company_response"]))  # fmt: skip
    for path in (EXPORT, PARQUET):
        run_import("cfpb", str(path), "--team", world.amsterdam.slug)
    facts_refresh()
    api, period = ApiClient(world.admin), {"from": "2023-01-01", "to": "2023-12-31"}

    kpis = api.get("/analytics/kpis", **period).json()
    timely = collections.Counter(timely for _issue, _via, timely, _response in complaints.values())
    assert kpis["cases"] == len(complaints)
    assert kpis["sla_compliance"] == pytest.approx(timely["Yes"] / (timely["Yes"] + timely["No"]))
    phone = sum(1 for _issue, via, _timely, _response in complaints.values() if via == "Phone")
    assert api.get("/analytics/kpis", **period, channel="phone").json()["cases"] == phone

    issues = collections.Counter(slugify(issue) for issue, _via, _timely, _response in complaints.values())
    bars = api.get("/analytics/pareto", **period).json()["bars"]
    assert [(bar["category"], bar["value"]) for bar in bars[:5]] == issues.most_common(5)

    responses = collections.Counter(OUTCOMES[response] for _issue, _via, _timely, response in complaints.values())
    outcomes = {o["outcome"]: o["cases"] for o in api.get("/analytics/outcomes", **period).json()["outcomes"]}
    assert outcomes == dict(responses)
