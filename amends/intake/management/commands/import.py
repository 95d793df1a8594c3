"""`amends import feedback FILE` and `amends import cfpb FILE`: survey answers and complaints from a file.

`feedback` reads Amends' own CSV (the format: amends/intake/channels/csv/feedback_format.py, or `--help`);
`cfpb` reads the US CFPB complaint database as CSV (any of its header variants) or Parquet (the API's fields).
Both are resumable and idempotent (one ImportRun per kind and file SHA-256), print progress on stderr every chunk,
list rejected rows with their reasons at the end, and exit 0 once the whole file was read. The work is done by
amends.intake.channels.csv.importer.import_file.
"""

import argparse
import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from amends.core.models import Team
from amends.intake.channels.csv.feedback_format import FORMAT_HELP
from amends.intake.channels.csv.importer import (
    DEFAULT_BATCH_SIZE,
    ImportConflict,
    ImportOptions,
    ImportProgress,
    ImportReport,
    import_file,
)
from amends.intake.channels.csv.readers import FileError
from amends.intake.channels.csv.records import RowError

MAX_PRINTED_REJECTED = 50

CFPB_HELP = """\
The US CFPB consumer complaint database, as CSV (the official export, the older "Company response" export or the
underscore export) or as Parquet with the API's snake_case fields. Each complaint becomes a complaint of customer
"cfpb-<complaint id>" at a location per product (created as needed, e.g. cfpb-credit-reporting) with a recovery case
carrying its history: the issue as category, the company's response as outcome ("Closed ..." resolves the case),
Timely response? as SLA met, Consumer disputed? as disputed. Imported cases send no alerts.
"""

EPILOG = """\
A file is imported once: running the command again on a finished file changes nothing, and after an interruption
it continues where it stopped. Rejected rows are listed at the end (and all of them written by --rejected-csv);
the exit status is 0 whenever the file was read to the end, 1 when the file cannot be read or its header is not
one this command knows.
"""


class Command(BaseCommand):
    help = "Import feedback (Amends CSV) or CFPB complaints (CSV or Parquet): resumable, each row stored once."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="kind", required=True)
        for kind, summary, description in (
            ("feedback", "Survey answers and complaints in the Amends feedback CSV.", FORMAT_HELP),
            ("cfpb", "Complaints from the US CFPB complaint database (CSV or Parquet).", CFPB_HELP),
        ):
            command = sub.add_parser(
                kind,
                help=summary,
                description=description,
                epilog=EPILOG,
                formatter_class=argparse.RawDescriptionHelpFormatter,
            )
            command.add_argument("file", type=Path, help="The CSV (UTF-8) or Parquet file.")
            command.add_argument(
                "--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help="Rows per transaction (and progress line)."
            )
            command.add_argument("--limit", type=int, help="Stop after this many rows; run again to continue.")
            command.add_argument("--rejected-csv", type=Path, help="Write every rejected row read this time here.")
            if kind == "cfpb":
                command.add_argument("--team", help="The team (slug) of the locations this import creates.")

    def handle(self, *args: Any, **options: Any) -> None:
        options_for_import = ImportOptions(
            batch_size=options["batch_size"],
            limit=options["limit"],
            team=_team(options.get("team")),
            on_progress=self._progress if options["verbosity"] > 0 else None,
        )
        try:
            report = import_file(kind=options["kind"], path=options["file"], options=options_for_import)
        except (FileError, ImportConflict) as error:
            raise CommandError(str(error)) from error
        self._summarise(report, options["file"])
        if options["rejected_csv"] is not None:
            write_rejected_csv(options["rejected_csv"], report.rejected)
            self.stdout.write(f"Rejected rows written to {options['rejected_csv']}.")

    def _progress(self, progress: ImportProgress) -> None:
        self.stderr.write(progress.line())

    def _summarise(self, report: ImportReport, path: Path) -> None:
        run = report.run
        if report.already_done:
            finished = run.finished_at.strftime("%Y-%m-%d %H:%M UTC") if run.finished_at else "earlier"
            self.stdout.write(
                f"{path.name} was already imported (import #{run.pk}, {finished}): nothing changed. "
                f"{run.created_count} created, {run.rejected_count} rejected, {run.skipped_count} already imported."
            )
            return
        assert report.progress is not None
        self.stdout.write(f"Read {path.name} as {report.header}.")
        self.stdout.write(report.progress.line())
        if report.stopped_early:
            self.stdout.write(
                f"Stopped after {report.progress.rows_this_time} rows as asked (--limit): "
                f"run the same command again to continue from row {run.processed_rows + 1}."
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(f"Done (import #{run.pk}): {report.progress.cases_opened} cases opened this time.")
            )
        self._list_rejected(report.rejected)

    def _list_rejected(self, rejected: list[RowError]) -> None:
        if not rejected:
            return
        self.stdout.write(f"Rejected rows ({len(rejected)} this time; row 1 is the first row after the header):")
        for error in rejected[:MAX_PRINTED_REJECTED]:
            self.stdout.write(f"  row {error.row}: {error.code} [{error.field or '-'}] {error.message}")
        if len(rejected) > MAX_PRINTED_REJECTED:
            self.stdout.write(f"  ... and {len(rejected) - MAX_PRINTED_REJECTED} more: --rejected-csv PATH lists all.")


def _team(slug: str | None) -> Team | None:
    if not slug:
        return None
    team = Team.objects.filter(slug=slug).first()
    if team is None:
        raise CommandError(f"There is no team {slug!r}.")
    return team


def write_rejected_csv(path: Path, rejected: list[RowError]) -> None:
    try:
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["row", "code", "field", "message"])
            writer.writerows([error.row, error.code, error.field or "", error.message] for error in rejected)
    except OSError as error:
        raise CommandError(f"Cannot write {path}: {error.strerror or error}") from error
