"""Read an import file (UTF-8 CSV with a header row, or Parquet) as numbered rows of column -> text.

No database here. The whole file is read once up front (its SHA-256, header and row count), so a file that is not
UTF-8, not valid CSV or not Parquet is refused before anything is written.
"""

import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from amends.core.errors import ErrorCode

from .records import RowError, reject

PARQUET_MAGIC = b"PAR1"
PARQUET_BATCH_ROWS = 2_000
HASH_BLOCK_BYTES = 1 << 20

Row = tuple[int, dict[str, str] | RowError]


class FileError(Exception):
    """The file cannot be imported at all: unreadable, not UTF-8 CSV or Parquet, or a header we do not know."""


@dataclass(frozen=True)
class TableFile:
    path: Path
    sha256: str
    format: str  # csv or parquet
    header: list[str]
    total_rows: int

    def rows(self, *, start: int = 0) -> Iterator[Row]:
        """Rows numbered from 1 (the first after the header), skipping the first `start` rows."""
        if self.format == "parquet":
            return _parquet_rows(self.path, self.header, start)
        return _csv_rows(self.path, self.header, start)


def open_table(path: Path) -> TableFile:
    try:
        with path.open("rb") as handle:
            is_parquet = handle.read(len(PARQUET_MAGIC)) == PARQUET_MAGIC
        digest = file_sha256(path)
    except OSError as exc:
        raise FileError(f"Cannot read {path}: {exc.strerror or exc}") from exc
    if is_parquet:
        header, total = _parquet_shape(path)
    else:
        header, total = _csv_shape(path)
    return TableFile(
        path=path, sha256=digest, format="parquet" if is_parquet else "csv", header=header, total_rows=total
    )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(HASH_BLOCK_BYTES):
            digest.update(block)
    return digest.hexdigest()


def _check_header(path: Path, header: list[str]) -> list[str]:
    header = [name.strip() for name in header]
    if not any(header):
        raise FileError(f"{path} has no header row: the first row must name the columns.")
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise FileError(f"{path} names these columns more than once: {', '.join(repeated)}.")
    return header


def _csv_shape(path: Path) -> tuple[list[str], int]:
    # utf-8-sig: spreadsheets often start a UTF-8 CSV with a byte order mark.
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            total = sum(1 for values in reader if values)
    except UnicodeDecodeError as exc:
        raise FileError(f"{path} is not UTF-8 text (byte {exc.start}): save it as UTF-8 CSV.") from exc
    except csv.Error as exc:
        raise FileError(f"{path} is not a valid CSV file: {exc}.") from exc
    if header is None:
        raise FileError(f"{path} is empty: a header row is required.")
    return _check_header(path, header), total


def _csv_rows(path: Path, header: list[str], start: int) -> Iterator[Row]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        number = 0
        for values in reader:
            if not values:
                continue  # a blank line is no row (the count up front skipped it too)
            number += 1
            if number <= start:
                continue
            if len(values) != len(header):
                message = f"The row has {len(values)} values; the header has {len(header)} columns."
                yield number, reject(number, ErrorCode.INVALID_VALUE, message)
                continue
            yield number, dict(zip(header, values, strict=True))


def _parquet_shape(path: Path) -> tuple[list[str], int]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise FileError(f"{path} is not a readable Parquet file: {exc}") from exc
    return _check_header(path, list(parquet.schema_arrow.names)), parquet.metadata.num_rows


def _parquet_rows(path: Path, header: list[str], start: int) -> Iterator[Row]:
    import pyarrow.parquet as pq

    number = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=PARQUET_BATCH_ROWS):
        if number + batch.num_rows <= start:
            number += batch.num_rows  # resuming: whole batches before the start are not even converted
            continue
        for record in batch.to_pylist():
            number += 1
            if number > start:
                yield number, {name: _as_text(record.get(name)) for name in header}


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)
