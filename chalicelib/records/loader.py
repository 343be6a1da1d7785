"""Loading a CSV file into its records table: streamed, validated, parallel, resumable, idempotent.

- Streamed: rows are parsed one at a time; at most ``threads * 2`` chunks are in flight.
- Validated: a bad row is counted and reported with its line number, never written.
- Parallel: chunks of rows are written by a thread pool in 25-item ``BatchWriteItem`` calls,
  unprocessed items retried with backoff.
- Resumable: the line before which everything is written (the checkpoint) is saved on the
  table's ``Dataset`` record; a load of the same file after a crash starts there.
- Idempotent: an item's key is derived from its content (``day``, ``date#id#n``), so
  writing a row twice leaves one item; a finished load of the same file is skipped.
"""

from __future__ import annotations

import csv
import hashlib
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib import clock
from chalicelib.aws import clients
from chalicelib.config import get_settings
from chalicelib.records import datasets
from chalicelib.records.datasets import Dataset
from chalicelib.records.rows import Item, Record, RowError, column_positions, parse_row, to_item
from chalicelib.records.tables import RecordTable

BATCH = 25  # DynamoDB's BatchWriteItem limit
MAX_REPORTED_ERRORS = 20


class LoadError(Exception):
    """The file cannot be loaded at all (no header, another file already loaded...)."""


@dataclass
class LoadProgress:
    table: str
    rows_done: int
    rows_total: int
    rows_invalid: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.rows_done / self.seconds if self.seconds else 0.0


@dataclass
class LoadReport(LoadProgress):
    resumed_from_line: int = 1
    skipped: bool = False
    errors: list[str] = field(default_factory=list)


@dataclass
class _Chunk:
    items: list[Item]
    last_line: int
    rows: int


def fingerprint(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return f"{digest.hexdigest()[:32]}-{path.stat().st_size}"


def count_data_lines(path: Path) -> int:
    """Lines after the header (for the progress percentage; the exact count comes from parsing)."""
    lines, last = 0, b"\n"
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            lines += block.count(b"\n")
            last = block[-1:]
    return max(lines + (last != b"\n") - 1, 0)


def load_csv(
    table: RecordTable,
    path: Path,
    *,
    threads: int = 8,
    chunk_rows: int = 2000,
    on_progress: Callable[[LoadProgress], None] | None = None,
    replace: bool = False,
) -> LoadReport:
    """Load ``path`` into ``table``'s DynamoDB table and mark it ready for ``/logs``."""
    started = time.perf_counter()
    print_ = fingerprint(path)
    dataset = _dataset_for(table, path, print_, replace, threads)
    if dataset.status == datasets.READY:
        return LoadReport(
            table.name,
            int(dataset.rows_loaded),
            int(dataset.rows_total),
            int(dataset.rows_invalid),
            0.0,
            skipped=True,
            errors=list(dataset.errors),
        )
    resume = int(dataset.checkpoint_line)
    report = LoadReport(table.name, 0, int(dataset.rows_total), 0, 0.0, resumed_from_line=resume)
    days: set[str] = set()
    inflight: deque[tuple[_Chunk, Future[None]]] = deque()
    chunk = _Chunk([], 0, 0)
    table_name = get_settings().records_table(table.name)

    def settle(oldest: tuple[_Chunk, Future[None]]) -> None:
        done, future = oldest
        future.result()
        report.rows_done += done.rows
        dataset.checkpoint_line = done.last_line + 1
        _save_progress(dataset, report, started, on_progress)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        for line, record, number in _valid_rows(table, path, report):
            days.add(str(record["date"])[:10])
            if line < resume:
                report.rows_done += 1
                continue
            chunk.items.append(to_item(table, record, number))
            chunk.rows += 1
            chunk.last_line = line
            if chunk.rows >= chunk_rows:
                inflight.append((chunk, pool.submit(write_items, table_name, chunk.items)))
                chunk = _Chunk([], 0, 0)
                if len(inflight) >= threads * 2:
                    settle(inflight.popleft())
        if chunk.rows:
            inflight.append((chunk, pool.submit(write_items, table_name, chunk.items)))
        while inflight:
            settle(inflight.popleft())

    report.seconds = time.perf_counter() - started
    dataset.update(
        actions=[
            Dataset.status.set(datasets.READY),
            Dataset.rows_total.set(report.rows_done + report.rows_invalid),
            Dataset.rows_loaded.set(report.rows_done),
            Dataset.rows_invalid.set(report.rows_invalid),
            Dataset.days.set(sorted(days)),
            Dataset.errors.set(report.errors),
            Dataset.updated_at.set(clock.now_iso()),
        ]
    )
    report.rows_total = report.rows_done + report.rows_invalid
    return report


def _dataset_for(table: RecordTable, path: Path, print_: str, replace: bool, threads: int) -> Dataset:
    """The table's load record: resumed for the same file, started afresh otherwise."""
    try:
        dataset = Dataset.get(table.name, consistent_read=True)
    except DoesNotExist:
        dataset = None
    if dataset is not None and dataset.fingerprint == print_:
        return dataset
    if dataset is not None and not replace:
        raise LoadError(f"table {table.name} holds another file ({dataset.source}); load with --replace to swap it")
    replaced = dataset is not None
    # Saved before the old rows go, so /logs answers "loading" from this moment on.
    dataset = Dataset(
        name=table.name,
        source=str(path.name),
        fingerprint=print_,
        rows_total=count_data_lines(path),
        updated_at=clock.now_iso(),
    )
    dataset.save()
    if replaced:
        clear_table(get_settings().records_table(table.name), threads)
    return dataset


def _valid_rows(table: RecordTable, path: Path, report: LoadReport) -> Iterator[tuple[int, Record, int]]:
    """(line, record, item number) for each valid row; invalid ones are counted in ``report``."""
    numbers: Counter[int] = Counter()
    first_line: dict[int, int] = {}
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise LoadError(f"{path.name} is empty: expected a header with {', '.join(table.column_names)}")
        try:
            positions = column_positions(table, header)
        except RowError as exc:
            raise LoadError(f"{path.name}: {exc}") from None
        for fields in reader:
            line = reader.line_num
            if not fields:
                continue
            try:
                record = parse_row(table, fields, positions, line)
                row_id = int(record[table.id_column])
                if not table.numbered and row_id in first_line:
                    raise RowError(line, f"{table.id_column} {row_id} repeats line {first_line[row_id]}")
            except RowError as exc:
                report.rows_invalid += 1
                if len(report.errors) < MAX_REPORTED_ERRORS:
                    report.errors.append(str(exc))
                continue
            first_line.setdefault(row_id, line)
            yield line, record, numbers[row_id]
            numbers[row_id] += 1


def _save_progress(
    dataset: Dataset, report: LoadReport, started: float, on_progress: Callable[[LoadProgress], None] | None
) -> None:
    report.seconds = time.perf_counter() - started
    dataset.rows_loaded = report.rows_done
    dataset.rows_invalid = report.rows_invalid
    dataset.updated_at = clock.now_iso()
    dataset.save()
    if on_progress:
        on_progress(report)


def write_items(table_name: str, items: list[Item]) -> None:
    """Put ``items`` into the table."""
    write_requests(table_name, [{"PutRequest": {"Item": item}} for item in items])


def write_requests(table_name: str, requests: list[Any]) -> None:
    """Send write requests in batches of 25, retrying unprocessed ones with exponential backoff."""
    client = clients.dynamodb()
    for start in range(0, len(requests), BATCH):
        pending = requests[start : start + BATCH]
        delay = 0.05
        for _ in range(12):
            response = client.batch_write_item(RequestItems={table_name: pending})
            pending = list(response.get("UnprocessedItems", {}).get(table_name, []))
            if not pending:
                break
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
        else:
            raise RuntimeError(f"{len(pending)} writes to {table_name} still unprocessed after retries")


def clear_table(table_name: str, threads: int = 8) -> None:
    """Delete every item, a scan page per task (used only when a table is loaded from another file)."""
    pages = (
        clients.dynamodb()
        .get_paginator("scan")
        .paginate(TableName=table_name, ProjectionExpression="#d, recency", ExpressionAttributeNames={"#d": "day"})
    )
    with ThreadPoolExecutor(max_workers=threads) as pool:
        deletions = [
            pool.submit(write_requests, table_name, [{"DeleteRequest": {"Key": item}} for item in page["Items"]])
            for page in pages
        ]
        for deletion in deletions:
            deletion.result()
