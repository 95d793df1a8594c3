"""Import a file of feedback or CFPB complaints: resumable, idempotent, a chunk per transaction.

One ImportRun per (kind, file SHA-256). Each chunk of rows is written in one transaction together with the run's
progress (processed_rows and the counts), so after an interruption the same command continues from the first row
that was not committed, and a finished file is never imported twice. Another file (even a grown copy of this one)
is a new run; its rows already stored elsewhere are skipped by their (source, external_ref).
"""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from amends.core.models import Team
from amends.intake.models import ImportRun

from . import cfpb_mapping, feedback_format
from .readers import FileError, Row, TableFile, open_table
from .records import ImportRecord, RowError
from .writer import write_chunk

KINDS = ("feedback", "cfpb")
DEFAULT_BATCH_SIZE = 500
MAX_STORED_REJECTED = 100  # on the ImportRun; --rejected-csv writes them all

RowMapper = Callable[[int, dict[str, str]], ImportRecord | RowError]


class ImportConflict(Exception):
    """Another process is importing the same file right now."""


@dataclass(frozen=True)
class ImportOptions:
    batch_size: int = DEFAULT_BATCH_SIZE
    limit: int | None = None  # stop after this many rows (run the import again to continue)
    team: Team | None = None  # owns the locations the CFPB import creates
    on_progress: Callable[["ImportProgress"], None] | None = None


@dataclass
class ImportProgress:
    """The run's totals so far, and this invocation's rate."""

    run: ImportRun
    rows_this_time: int = 0
    cases_opened: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def rows_per_second(self) -> float:
        return self.rows_this_time / max(time.monotonic() - self.started, 1e-9)

    def line(self) -> str:
        run = self.run
        total = run.total_rows if run.total_rows is not None else "?"
        return (
            f"{run.processed_rows}/{total} rows, {run.created_count} created, {run.rejected_count} rejected, "
            f"{run.skipped_count} already imported, {self.rows_per_second:.0f} rows/s"
        )


@dataclass
class ImportReport:
    run: ImportRun
    header: str  # which format and header variant the file was read as
    already_done: bool = False  # the file was imported before: nothing was changed
    stopped_early: bool = False  # --limit reached before the end of the file
    rejected: list[RowError] = field(default_factory=list)  # all rejected rows read this time
    progress: ImportProgress | None = None


def mapper_for(kind: str, header: list[str]) -> tuple[RowMapper, str]:
    """How to read the rows of a file with this header, and a name for the layout; FileError when unknown."""
    if kind == "feedback":
        feedback_format.check_header(header)
        return feedback_format.map_row, "Amends feedback CSV"
    if kind == "cfpb":
        layout = cfpb_mapping.detect_layout(header)
        return partial(cfpb_mapping.map_row, layout=layout), f"CFPB complaints ({layout.variant} header)"
    raise FileError(f"Unknown import kind {kind!r}: choose one of {', '.join(KINDS)}.")


def import_file(*, kind: str, path: Path, options: ImportOptions | None = None) -> ImportReport:
    """Import the file, or continue its interrupted import; raises FileError when it cannot be read at all."""
    options = options or ImportOptions()
    table = open_table(path)
    mapper, header = mapper_for(kind, table.header)
    run, created = ImportRun.objects.get_or_create(
        kind=kind, file_sha256=table.sha256, defaults={"file_name": path.name[:255], "total_rows": table.total_rows}
    )
    if run.status == ImportRun.Status.DONE:
        return ImportReport(run=run, header=header, already_done=True)
    if not created:
        ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.RUNNING, finished_at=None)
        run.status = ImportRun.Status.RUNNING
    report = ImportReport(run=run, header=header, progress=ImportProgress(run=run))
    try:
        _import_rows(table, mapper, report, options)
    except ImportConflict:
        raise  # the other process owns the run
    except BaseException:
        # Whatever stopped it (an error, Ctrl-C), the committed chunks stay; the next run continues after them.
        ImportRun.objects.filter(pk=run.pk, status=ImportRun.Status.RUNNING).update(status=ImportRun.Status.FAILED)
        raise
    return report


def _import_rows(table: TableFile, mapper: RowMapper, report: ImportReport, options: ImportOptions) -> None:
    run, progress = report.run, report.progress
    assert progress is not None
    rows: Iterator[Row] = table.rows(start=run.processed_rows)
    if options.limit is not None:
        rows = islice(rows, options.limit)
    while chunk := list(islice(rows, max(options.batch_size, 1))):
        _import_chunk(run, chunk, mapper, report, options)
        if options.on_progress is not None:
            options.on_progress(progress)
    if run.processed_rows >= (run.total_rows or 0):
        run.status, run.finished_at = ImportRun.Status.DONE, timezone.now()
        run.save(update_fields=["status", "finished_at"])
    else:
        report.stopped_early = True


@transaction.atomic
def _import_chunk(
    run: ImportRun, chunk: list[Row], mapper: RowMapper, report: ImportReport, opts: ImportOptions
) -> None:
    """Write one chunk and the run's progress in one transaction: both are committed, or neither."""
    if connection.vendor == "postgresql":
        # Safe to lose on a server crash: the run's progress is lost with the rows, and the next run redoes them.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
    stored = ImportRun.objects.select_for_update().get(pk=run.pk)
    if stored.processed_rows != run.processed_rows:
        raise ImportConflict(
            f"Another import of {run.file_name} is running (it is at row {stored.processed_rows}); "
            "wait for it to finish, then run this command again."
        )
    records: list[ImportRecord] = []
    rejected: list[RowError] = []
    for number, values in chunk:
        mapped = values if isinstance(values, RowError) else mapper(number, values)
        if isinstance(mapped, RowError):
            rejected.append(mapped)
        else:
            records.append(mapped)
    result = write_chunk(records, team=opts.team)
    rejected = sorted([*rejected, *result.rejected], key=lambda error: error.row)
    run.processed_rows += len(chunk)
    run.created_count += result.created
    run.skipped_count += result.skipped
    run.rejected_count += len(rejected)
    room = MAX_STORED_REJECTED - len(run.rejected)
    run.rejected = [*run.rejected, *(error.as_dict() for error in rejected[: max(room, 0)])]
    run.save(update_fields=["processed_rows", "created_count", "skipped_count", "rejected_count", "rejected"])
    report.rejected.extend(rejected)
    assert report.progress is not None
    report.progress.rows_this_time += len(chunk)
    report.progress.cases_opened += result.cases_opened
