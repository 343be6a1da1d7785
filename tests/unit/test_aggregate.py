"""The play-count aggregation: exact totals, real CSV, bad rows by line, bounded memory (spilling)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path
from random import Random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.reports import aggregate as aggregate_module
from chalicelib.reports.aggregate import aggregate
from chalicelib.reports.csvfile import MAX_LINE_BYTES, BadFile, read_totals, row_problem

SEED_INPUT = """Song,Date,Number of Plays
Umbrella,2020-01-02,200
Umbrella,2020-01-01,100
In The End,2020-01-01,500
Umbrella,2020-01-01,50
In The End,2020-01-01,1000
Umbrella,2020-01-02,50
In The End,2020-01-02,500
"""


def run(tmp_path: Path, text: str | bytes, memory_mb: int = 64) -> tuple[dict[tuple[str, str], int], object]:
    source, target = tmp_path / "plays.csv", tmp_path / "totals.csv"
    source.write_bytes(text.encode() if isinstance(text, str) else text)
    report = aggregate(source, target, memory_mb=memory_mb, temp_dir=tmp_path / "spill")
    return read_totals(target.read_bytes()), report


def csv_text(rows: list[tuple[str, str, int]], line_end: str = "\n", trailing: bool = True) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=line_end)
    writer.writerow(["Song", "Date", "Number of Plays"])
    writer.writerows(rows)
    text = out.getvalue()
    return text if trailing else text[: -len(line_end)]


def test_the_seeds_example_exactly(tmp_path: Path) -> None:
    totals, report = run(tmp_path, SEED_INPUT)
    assert totals == {
        ("Umbrella", "2020-01-01"): 150,
        ("Umbrella", "2020-01-02"): 250,
        ("In The End", "2020-01-01"): 1500,
        ("In The End", "2020-01-02"): 500,
    }
    assert (tmp_path / "totals.csv").read_text().splitlines()[0] == "Song,Date,Total Number of Plays for Date"
    assert report.as_dict() == {"rows_in": 7, "rows_invalid": 0, "pairs": 4, "errors": []}  # type: ignore[attr-defined]


songs = st.sampled_from(["Umbrella", "In The End", 'Say "Hi", World', "Ünïcödé ♫", "a,b,c", " padded ", "x"])
days = st.sampled_from(["2020-01-01", "2020-02-29", "2021-12-31"])
rows_strategy = st.lists(st.tuples(songs, days, st.integers(min_value=0, max_value=10**12)), max_size=60)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=rows_strategy, line_end=st.sampled_from(["\n", "\r\n"]), trailing=st.booleans())
def test_totals_match_an_independent_count(
    tmp_path: Path, rows: list[tuple[str, str, int]], line_end: str, trailing: bool
) -> None:
    expected: Counter[tuple[str, str]] = Counter()
    for song, day, plays in rows:
        expected[(song, day)] += plays
    totals, report = run(tmp_path, csv_text(rows, line_end, trailing or not rows))
    assert totals == dict(expected)
    assert report.rows_in == len(rows)  # type: ignore[attr-defined]
    assert report.pairs == len(expected)  # type: ignore[attr-defined]


def test_bad_rows_are_counted_and_reported_by_line(tmp_path: Path) -> None:
    text = (
        "Song,Date,Number of Plays\n"
        "Good,2020-01-01,5\n"
        "Bad date,2020-13-01,5\n"  # line 3
        "Short date,2020-1-2,5\n"  # line 4
        "Negative,2020-01-01,-5\n"  # line 5
        "Fraction,2020-01-01,1.5\n"  # line 6
        ",2020-01-01,3\n"  # line 7
        "Missing,2020-01-01\n"  # line 8
        "Good,2020-01-01,7\n"
    )
    totals, report = run(tmp_path, text)
    assert totals == {("Good", "2020-01-01"): 12}
    assert (report.rows_in, report.rows_invalid) == (8, 6)  # type: ignore[attr-defined]
    assert report.errors == [  # type: ignore[attr-defined]
        "line 3: Date '2020-13-01' is not a date like 2020-01-31",
        "line 4: Date '2020-1-2' is not a date like 2020-01-31",
        "line 5: Number of Plays '-5' is not a whole number >= 0",
        "line 6: Number of Plays '1.5' is not a whole number >= 0",
        "line 7: Song is empty",
        "line 8: has 2 fields, expected 3",
    ]


LENIENT_CASTS = ["+5", " 5", "5 ", "0x10", "1e3", "1_000", "1.0", "9" * 19, ""]
LENIENT_DATES = [
    "2020/01/01",
    "2020-01-01 ",
    " 2020-01-01",
    "2020-1-01",
    "0000-01-01",
    "2020-01-01T00:00",
    "2020-01-1x",
    "10000-01-01",
    "-020-01-01",
    "0000-12-31",
    " 202-01-01",
    "2020-+1-01",
    "2020-01- 1",
    "\uff12\uff10\uff12\uff10-01-01",  # fullwidth digits
    "\u0662\u0660\u0662\u0660-01-01",  # Arabic-Indic digits
]


def test_what_a_typed_cast_would_accept_is_still_invalid(tmp_path: Path) -> None:
    """DuckDB's casts take '+5', '1e3', '0x10' or '2020/01/01'; the rules here do not."""
    rows = [("Odd plays", "2020-01-01", plays) for plays in LENIENT_CASTS]
    rows += [("Odd date", day, "1") for day in LENIENT_DATES]
    text = csv_text([("Good", "2020-01-01", 5), *rows])  # type: ignore[list-item]
    totals, report = run(tmp_path, text)
    assert totals == {("Good", "2020-01-01"): 5}
    assert report.rows_invalid == len(rows)  # type: ignore[attr-defined]


fields = st.text(alphabet="0123456789-+. e/x_", max_size=12)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.tuples(st.sampled_from(["a", "b", "", "a\0b"]), fields | days, fields), min_size=1, max_size=30)
)
def test_sql_and_python_agree_on_which_rows_are_invalid(tmp_path: Path, rows: list[tuple[str, str, str]]) -> None:
    """The SQL checks (pass 1) and ``row_problem`` (the line numbers) apply the same rules."""
    invalid = [n for n, row in enumerate(rows, start=2) if row_problem(list(row))]
    expected: Counter[tuple[str, str]] = Counter()
    for song, day, plays in rows:
        if not row_problem([song, day, plays]):
            expected[(song, day)] += int(plays)
    totals, report = run(tmp_path, csv_text(rows))  # type: ignore[arg-type]
    assert totals == dict(expected)
    assert report.rows_invalid == len(invalid)  # type: ignore[attr-defined]
    assert [error.split(":")[0] for error in report.errors] == [f"line {n}" for n in invalid[:20]]  # type: ignore[attr-defined]


@pytest.mark.parametrize("first_line", ["song,date,plays", "Song;Date;Number of Plays", "", "Umbrella,2020-01-01,5"])
def test_a_file_without_the_header_is_refused(tmp_path: Path, first_line: str) -> None:
    with pytest.raises(BadFile, match="header: expected Song,Date,Number of Plays"):
        run(tmp_path, first_line + "\nUmbrella,2020-01-01,5\n")


def test_a_header_with_a_bom_and_crlf_is_fine(tmp_path: Path) -> None:
    totals, _ = run(tmp_path, "\ufeffSong,Date,Number of Plays\r\nUmbrella,2020-01-01,5\r\n".encode())
    assert totals == {("Umbrella", "2020-01-01"): 5}


def test_thousands_of_unsplittable_lines_are_all_counted(tmp_path: Path) -> None:
    """DuckDB records only the first 1,000 such lines (its record of them is unbounded in memory)."""
    bad = "".join(f"only,{n}\n" for n in range(5000))
    good = "".join(f"Song {n % 3},2020-01-0{n % 2 + 1},1\n" for n in range(600))
    totals, report = run(tmp_path, "Song,Date,Number of Plays\n" + good + bad + "Song 0,2020-01-01,4\n")
    assert (report.rows_in, report.rows_invalid) == (5601, 5000)  # type: ignore[attr-defined]
    assert sum(totals.values()) == 604
    assert report.errors[0] == "line 602: has 2 fields, expected 3"  # type: ignore[attr-defined]
    assert len(report.errors) == 20  # type: ignore[attr-defined]


def test_a_quote_never_closed_is_reported_not_raised(tmp_path: Path) -> None:
    rest = "".join(f"Song {n},2020-01-01,1\n" for n in range(20_000))
    totals, report = run(tmp_path, f'Song,Date,Number of Plays\nGood,2020-01-01,5\n"Broken,2020-01-01,5\n{rest}')
    assert totals.get(("Good", "2020-01-01")) == 5
    assert report.rows_invalid >= 1  # type: ignore[attr-defined]
    assert any("line" in error for error in report.errors)  # type: ignore[attr-defined]


GOOD_ROWS = "".join(f"Song {n % 3},2020-01-0{n % 2 + 1},1\n" for n in range(1000))  # lines 2-1001


@pytest.mark.parametrize(
    ("line", "tail"),
    [
        (b"Big," + b"a" * (9 << 20) + b",2020-01-01,1\n", "Big,2020-01-01,1\n"),  # beyond DuckDB's 8 MB buffer
        (b"\0" * (9 << 20) + b"\n", "Song 0,2020-01-01,1\n"),  # NUL bytes, no field separator
        (b"Big," + b"a" * (3 << 20), ""),  # the last line, without a line end
        (b"x" * (MAX_LINE_BYTES + 1) + b"\n", ""),  # one byte over the limit
    ],
)
def test_a_line_over_the_limit_fails_the_report_clearly_before_the_aggregation(
    tmp_path: Path, line: bytes, tail: str
) -> None:
    """DuckDB drops a line longer than its buffer without a word (1.2.2: no reject recorded)."""
    text = b"Song,Date,Number of Plays\n" + GOOD_ROWS.encode() + line + tail.encode()
    with pytest.raises(BadFile, match=rf"^line 1002 is longer than {MAX_LINE_BYTES:,} bytes"):
        run(tmp_path, text)


def test_a_line_at_the_limit_is_a_row(tmp_path: Path) -> None:
    line = "Long," + "a" * (MAX_LINE_BYTES - 20) + ",2020-01-01,1"  # too many fields: a bad row
    totals, report = run(tmp_path, f"Song,Date,Number of Plays\n{GOOD_ROWS}{line}\nSong 0,2020-01-01,1\n")
    assert sum(totals.values()) == 1001
    assert (report.rows_in, report.rows_invalid) == (1002, 1)  # type: ignore[attr-defined]


def test_nul_bytes_make_a_row_invalid(tmp_path: Path) -> None:
    text = "Song,Date,Number of Plays\nSo\0ng,2020-01-01,5\nA,2020-01-01,\0\n\0\0\0\nA,2020-01-01,2\n"
    totals, report = run(tmp_path, text)
    assert totals == {("A", "2020-01-01"): 2}
    assert report.errors == [  # type: ignore[attr-defined]
        "line 2: Song holds a NUL byte",
        "line 3: Number of Plays '\\x00' is not a whole number >= 0",
        "line 4: has 1 fields, expected 3",
    ]


def test_many_partitions_give_the_same_totals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The two passes (partition by hash, then aggregate each partition) lose and double nothing."""
    monkeypatch.setattr(aggregate_module, "partitions_for", lambda source, memory_mb: 7)
    rng = Random(5)
    rows = [
        (f"song {rng.randrange(500)}", f"2020-01-{rng.randrange(1, 29):02d}", rng.randrange(100)) for _ in range(20_000)
    ]
    expected: Counter[tuple[str, str]] = Counter()
    for song, day, plays in rows:
        expected[(song, day)] += plays
    totals, report = run(tmp_path, csv_text(rows) + "bad,row\n")
    assert totals == dict(expected)
    assert (report.rows_in, report.rows_invalid, report.pairs) == (20_001, 1, len(expected))  # type: ignore[attr-defined]


def test_the_partition_count_grows_with_the_file_and_shrinks_with_the_budget(tmp_path: Path) -> None:
    path = tmp_path / "plays.csv"
    path.write_text(csv_text([("Umbrella", "2020-01-01", 5)] * 30_000))
    assert aggregate_module.partitions_for(path, 256) == 1
    with path.open("r+b") as handle:
        handle.truncate(1_000_000_000)  # the same rows, as if the file went on for 1 GB
    assert 20 < aggregate_module.partitions_for(path, 256) < aggregate_module.partitions_for(path, 160)


def test_partitions_that_do_not_fit_after_all_are_split_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """When the estimates are wrong (here: forced to say one query takes everything), DuckDB runs
    out of memory on a partition, which is split again by another hash: same totals, no error."""
    monkeypatch.setattr(aggregate_module, "partitions_for", lambda source, memory_mb: 2)
    monkeypatch.setattr(aggregate_module, "groups_fitting", lambda source, memory_mb: 10**9)
    monkeypatch.setattr(aggregate_module, "_duckdb_mb", lambda memory_mb: 24)  # DuckDB's own limit
    splits: list[int] = []
    real_split = aggregate_module._split

    def spy(db: object, files: list[str], folder: Path, level: int) -> list[list[str]]:
        splits.append(level)
        return real_split(db, files, folder, level)  # type: ignore[arg-type]

    monkeypatch.setattr(aggregate_module, "_split", spy)
    rows = [(f"a song with a fairly long name, number {n}", "2020-01-01", n % 7) for n in range(200_000)]
    totals, report = run(tmp_path, csv_text(rows))
    assert splits, "the aggregation never ran out of memory: the test needs more groups"
    assert report.pairs == len(rows)  # type: ignore[attr-defined]
    assert totals == {(song, day): plays for song, day, plays in rows}


def test_longer_rows_mean_fewer_groups_per_aggregation(tmp_path: Path) -> None:
    """A group holds its song: the longer the rows, the fewer groups one aggregation may take."""
    short, long = tmp_path / "short.csv", tmp_path / "long.csv"
    short.write_text(csv_text([(f"s{n}", "2020-01-01", 1) for n in range(40_000)]))
    long.write_text(csv_text([(f"{'x' * 150}{n}", "2020-01-01", 1) for n in range(8_000)]))
    assert aggregate_module.groups_fitting(long, 256) < aggregate_module.groups_fitting(short, 256) / 2


def test_progress_is_reported_as_partitions_are_done(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aggregate_module, "partitions_for", lambda source, memory_mb: 5)
    monkeypatch.setattr(aggregate_module, "groups_fitting", lambda source, memory_mb: 1)  # one partition per query
    source = tmp_path / "plays.csv"
    source.write_text(csv_text([(f"song {n}", "2020-01-01", n) for n in range(2000)]))
    heard: list[float] = []
    aggregate(source, tmp_path / "totals.csv", temp_dir=tmp_path / "spill", progress=heard.append)
    assert len(heard) == 6
    assert heard == sorted(heard)
    assert 0 < heard[0] < 1
    assert heard[-1] == 1
