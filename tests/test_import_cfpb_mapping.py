"""The CFPB export, read in each of its header variants and mapped onto complaints with their case history.

Pure: no database. Small CSVs are built in memory for the variants the shared data does not contain.
"""

import csv
import io
from datetime import UTC, datetime

import pytest

from amends.intake.channels.csv import cfpb_mapping
from amends.intake.channels.csv.cfpb_mapping import detect_layout, location_code_for, map_row, parse_cfpb_date
from amends.intake.channels.csv.readers import FileError
from amends.intake.channels.csv.records import ImportRecord, RowError

OFFICIAL_HEADER = (
    "Date received,Product,Sub-product,Issue,Sub-issue,Consumer complaint narrative,Company public response,Company,"
    "State,ZIP code,Tags,Consumer consent provided?,Submitted via,Date sent to company,Company response to consumer,"
    "Timely response?,Consumer disputed?,Complaint ID"
)
# The export before 2017 (e.g. Consumer_Complaints.csv of 2015): "Company response", US dates, no narrative.
OLDER_HEADER = (
    "Date received,Product,Sub-product,Issue,Sub-issue,State,ZIP code,Submitted via,Date sent to company,Company,"
    "Company response,Timely response?,Consumer disputed?,Complaint ID"
)
UNDERSCORE_HEADER = (
    "Date_received,Product,Sub_product,Issue,Sub-issue,Consumer_complaint_narrative,Company_public_response,Company,"
    "State,ZIP_code,Tags,Consumer_consent_provided?,Submitted_via,Date_sent_to_company,Company_response_to_consumer,"
    "Timely_response?,Consumer_disputed?,Complaint_ID"
)
API_COLUMNS = [
    "company",
    "company_public_response",
    "company_response",
    "complaint_id",
    "complaint_what_happened",
    "consumer_consent_provided",
    "consumer_disputed",
    "date_received",
    "date_sent_to_company",
    "issue",
    "product",
    "state",
    "sub_issue",
    "sub_product",
    "submitted_via",
    "tags",
    "timely",
    "zip_code",
]


def rows_of(text: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text))
    return list(reader.fieldnames or []), list(reader)


def mapped(header: list[str], row: dict[str, str], number: int = 1) -> ImportRecord:
    record = map_row(number, row, detect_layout(header))
    assert isinstance(record, ImportRecord), record
    return record


def refused(header: list[str], row: dict[str, str], number: int = 1) -> RowError:
    error = map_row(number, row, detect_layout(header))
    assert isinstance(error, RowError), error
    return error


OFFICIAL_CSV = f"""{OFFICIAL_HEADER}
2023-04-27,"Credit reporting, credit repair services, or other personal consumer reports",Credit reporting,\
Incorrect information on your report,Information belongs to someone else,"They reported a loan I never took.",\
,"EQUIFAX, INC.",PA,19145,"Older American, Servicemember",Consent provided,Web,2023-04-28,\
Closed with monetary relief,Yes,No,6896026
"""

OLDER_CSV = f"""{OLDER_HEADER}
07/29/2013,Consumer loan,Vehicle loan,Managing the loan or lease,,VA,24540,Phone,07/30/2013,Wells Fargo & Company,\
Closed with explanation,Yes,No,468882
07/29/2013,Bank account or service,Checking account,Using a debit or ATM card,,CA,95992,Web,07/31/2013,\
Wells Fargo & Company,Closed without relief,No,Yes,468889
07/29/2013,Mortgage,Conventional fixed mortgage,"Loan servicing, payments, escrow account",,NY,10065,Fax,08/02/2013,\
"Bank of America, National Association",Closed with relief,Yes,Yes,468890
"""


def test_the_official_export_header_is_recognised() -> None:
    header, _rows = rows_of(OFFICIAL_CSV)
    layout = detect_layout(header)
    assert layout.variant == "official"
    assert layout.columns["company_response"] == "Company response to consumer"
    assert layout.columns["narrative"] == "Consumer complaint narrative"


def test_the_older_export_header_with_company_response_is_recognised() -> None:
    header, _rows = rows_of(OLDER_CSV)
    layout = detect_layout(header)
    assert layout.variant == "older"
    assert layout.columns["company_response"] == "Company response"
    assert "narrative" not in layout.columns


def test_the_underscore_header_is_recognised() -> None:
    layout = detect_layout(UNDERSCORE_HEADER.split(","))
    assert layout.variant == "underscore"
    assert layout.columns["timely"] == "Timely_response?"
    assert layout.columns["consumer_disputed"] == "Consumer_disputed?"
    assert layout.columns["sub_issue"] == "Sub-issue"


def test_the_api_snake_case_columns_are_recognised() -> None:
    layout = detect_layout(API_COLUMNS)
    assert layout.variant == "api"
    assert layout.columns["narrative"] == "complaint_what_happened"
    assert layout.columns["timely"] == "timely"


def test_an_unknown_header_is_refused_naming_the_missing_columns() -> None:
    with pytest.raises(FileError) as refused_file:
        detect_layout(["Date received", "Product", "Issue", "Complaint ID", "Status"])
    message = str(refused_file.value)
    assert "Company response to consumer" in message
    assert "Timely response?" in message
    assert "Complaint ID" not in message


def test_an_official_row_becomes_a_complaint_with_its_resolved_history() -> None:
    header, rows = rows_of(OFFICIAL_CSV)
    record = mapped(header, rows[0])
    assert (record.source, record.external_ref, record.kind, record.channel) == ("cfpb", "6896026", "complaint", "web")
    assert record.customer.external_id == "cfpb-6896026"
    assert record.customer.language == "en"
    assert record.customer.segment == "Older American, Servicemember"
    assert record.location_code == "cfpb-credit-reporting"
    assert record.new_location is not None and record.new_location.country == "US"
    assert record.text == "They reported a loan I never took."
    assert record.occurred_at == datetime(2023, 4, 27, 16, tzinfo=UTC)  # noon in Washington, DC (EDT)
    history = record.history
    assert history is not None
    assert history.category == "incorrect-information-on-your-report"
    assert history.outcome == "monetary_relief"
    assert (history.sla_met, history.outcome_disputed) == (True, False)
    assert history.sent_at == datetime(2023, 4, 28, 16, tzinfo=UTC)
    assert history.resolved_at == history.sent_at
    assert history.resolution == "Closed with monetary relief"
    assert record.attributes["sub_issue"] == "Information belongs to someone else"
    assert record.attributes["tags"] == ["Older American", "Servicemember"]
    assert record.attributes["company"] == "EQUIFAX, INC."


def test_older_rows_map_their_responses_us_dates_and_channels() -> None:
    header, rows = rows_of(OLDER_CSV)
    explanation, without_relief, with_relief = (mapped(header, row) for row in rows)
    assert explanation.history is not None and explanation.history.outcome == "explanation"
    assert explanation.channel == "phone"
    assert explanation.occurred_at.date().isoformat() == "2013-07-29"
    assert without_relief.history is not None and without_relief.history.outcome == "closed"
    assert (without_relief.history.sla_met, without_relief.history.outcome_disputed) == (False, True)
    assert with_relief.history is not None and with_relief.history.outcome == "non_monetary_relief"
    assert with_relief.channel == "email"  # a fax is written correspondence
    assert with_relief.attributes["submitted_via"] == "Fax"
    assert with_relief.location_code == "cfpb-mortgage"
    assert with_relief.text == ""
    assert with_relief.history.summary == "Loan servicing, payments, escrow account"


def test_an_api_row_with_iso_times_maps_like_the_export() -> None:
    row = dict.fromkeys(API_COLUMNS, "")
    row.update(
        complaint_id="7073066",
        company_response="In progress",
        consumer_disputed="N/A",
        date_received="2023-06-05T12:00:00-05:00",
        date_sent_to_company="2023-06-06T12:00:00-05:00",
        issue="Improper use of your report",
        sub_issue="Reporting company used your report improperly",
        product="Debt collection",
        submitted_via="Referral",
        timely="Yes",
    )
    record = mapped(API_COLUMNS, row)
    assert record.occurred_at == datetime(2023, 6, 5, 17, tzinfo=UTC)
    assert record.channel == "email"
    assert record.history is not None
    assert record.history.outcome == "in_progress"
    assert record.history.resolved_at is None  # still open
    assert record.history.outcome_disputed is None
    assert record.history.summary == "Improper use of your report: Reporting company used your report improperly"


@pytest.mark.parametrize(
    ("response", "outcome", "resolved"),
    [
        ("Closed with monetary relief", "monetary_relief", True),
        ("Closed with non-monetary relief", "non_monetary_relief", True),
        ("Closed with explanation", "explanation", True),
        ("Closed", "closed", True),
        ("Closed without relief", "closed", True),
        ("Untimely response", "untimely", False),
        ("In progress", "in_progress", False),
    ],
)
def test_each_company_response_becomes_an_outcome(response: str, outcome: str, resolved: bool) -> None:
    header, rows = rows_of(OFFICIAL_CSV)
    history = mapped(header, {**rows[0], "Company response to consumer": response}).history
    assert history is not None
    assert history.outcome == outcome
    assert (history.resolved_at is not None) == resolved
    assert (history.resolution == response) == resolved


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-04-27", datetime(2023, 4, 27, 16, tzinfo=UTC)),
        ("27-04-2023", datetime(2023, 4, 27, 16, tzinfo=UTC)),
        ("04/27/2023", datetime(2023, 4, 27, 16, tzinfo=UTC)),
        ("12/05/13", datetime(2013, 12, 5, 17, tzinfo=UTC)),  # EST in winter
        ("2023-06-05T12:00:00-05:00", datetime(2023, 6, 5, 17, tzinfo=UTC)),
        ("2023-06-05 09:30:00", datetime(2023, 6, 5, 13, 30, tzinfo=UTC)),
    ],
)
def test_every_date_spelling_of_the_exports_is_read(text: str, expected: datetime) -> None:
    assert parse_cfpb_date(text) == expected


def test_a_long_narrative_is_cut_at_the_text_limit_with_a_note() -> None:
    header, rows = rows_of(OFFICIAL_CSV)
    record = mapped(header, {**rows[0], "Consumer complaint narrative": "x" * 25_000})
    assert len(record.text) == 20_000
    assert record.attributes["text_truncated_from"] == 25_000


def test_a_date_sent_before_the_date_received_keeps_the_timeline_in_order() -> None:
    header, rows = rows_of(OFFICIAL_CSV)
    history = mapped(header, {**rows[0], "Date sent to company": "2023-04-01"}).history
    assert history is not None and history.sent_at == parse_cfpb_date("2023-04-27")


@pytest.mark.parametrize(
    ("column", "value", "code"),
    [
        ("Complaint ID", "", "missing_field"),
        ("Date received", "", "missing_field"),
        ("Date received", "yesterday", "invalid_value"),
        ("Date sent to company", "31-31-2023", "invalid_value"),
        ("Company response to consumer", "Closed maybe", "invalid_value"),
        ("Timely response?", "Perhaps", "invalid_value"),
        ("Consumer disputed?", "2", "invalid_value"),
        ("Issue", "", "missing_field"),
        ("Complaint ID", "9" * 101, "too_long"),
    ],
)
def test_a_row_that_cannot_be_read_is_refused_with_its_column(column: str, value: str, code: str) -> None:
    header, rows = rows_of(OFFICIAL_CSV)
    error = refused(header, {**rows[0], column: value}, number=7)
    assert (error.row, error.code, error.field) == (7, code, column)
    assert column in error.message


def test_an_unknown_submission_route_falls_back_to_api_and_is_kept() -> None:
    header, rows = rows_of(OFFICIAL_CSV)
    record = mapped(header, {**rows[0], "Submitted via": "Carrier pigeon"})
    assert record.channel == "api"
    assert record.attributes["submitted_via"] == "Carrier pigeon"


def test_location_codes_are_short_slugs_of_the_product() -> None:
    assert location_code_for("Money transfer, virtual currency, or money service") == "cfpb-money-transfer"
    assert location_code_for("Checking or savings account") == "cfpb-checking-or-savings-account"
    long_code = location_code_for("A" * 30 + " " + "b" * 40)
    assert len(long_code) <= cfpb_mapping.LOCATION_CODE_LENGTH
    assert not long_code.endswith("-")
