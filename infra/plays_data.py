"""A deterministic generator of play-count CSV files (``Song,Date,Number of Plays``) of any size.

Why: the play-count reports (seed 004) must aggregate files larger than memory, so the tests, the
benchmarks and a person trying the service need such files on demand, the same bytes for the same
arguments. Rows are drawn uniformly: a song among ``songs`` names (some with commas, double quotes
or non-ASCII letters, so CSV quoting and UTF-8 are exercised), a date among ``days`` consecutive
days from 2020-01-01, and 0..1000 plays. With ``songs * days`` pairs and about five rows per pair
nearly every pair occurs: 20,000 songs x 365 days in 1 GB (~30M rows) gives ~7.2M distinct pairs.

How it is fast (1 GB in a few seconds): every distinct piece of text (``song,``, ``date,``,
``plays\\n``) is encoded once into one byte blob; for each chunk of ~1M rows numpy draws the piece
numbers and gathers the rows' bytes out of the blob in one vectorised step, written with one
``write`` per chunk.

    python -m infra.plays_data OUT [--mb 100] [--songs 20000] [--days 365] [--seed 2004]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt

HEADER = b"Song,Date,Number of Plays\n"
FIRST_DAY = date(2020, 1, 1)
MAX_PLAYS = 1000
CHUNK_ROWS = 1 << 20

_FIRST = (
    "Midnight", "Golden", "Electric", "Silent", "Broken", "Wild", "Neon", "Velvet", "Paper", "Crystal",
    "Summer", "Lonely", "Burning", "Frozen", "Little", "Secret", "Café", "Über", "Niño", "Señor",
    "Straße", "Crème", "Déjà", "Åsa", "Łódź", "東京", "Сердце", "Σιωπή", "Don't Stop", "Rock 'n' Roll",
)  # fmt: skip
_SECOND = (
    "Heart", "Highway", "Dreams", "River", "Lights", "Rain", "Fire", "Echo", "Garden", "Letters",
    "Sky", "Train", "Waltz", "Blues", "Shadows", "Ocean", "Mirror", "Song", "Morning", "Stars",
    "Amour", "Corazón", "Nacht", "夜", "Любовь", "Fiesta", "Mañana", "Smörgås", "Groove", "Paradise",
)  # fmt: skip


@dataclass(frozen=True)
class PlaysFile:
    """A generated file: where, how many data rows (the header not counted), how many bytes."""

    path: Path
    rows: int
    bytes: int


def song_names(count: int) -> list[str]:
    """``count`` distinct song names, the same for the same ``count``; a tenth have a comma, a tenth quotes."""
    pairs = len(_FIRST) * len(_SECOND)
    names = []
    for number in range(count):
        base = f"{_FIRST[number % len(_FIRST)]} {_SECOND[(number // len(_FIRST)) % len(_SECOND)]}"
        if number >= pairs:
            base += f" ({number // pairs + 1})"
        kind = number % 10
        if kind == 3:
            base += ", Pt. 2"
        elif kind == 7:
            base += ' "Live"'
        elif kind == 9:
            base = f'"{base}", Reprise'
        names.append(base)
    return names


def csv_field(value: str) -> str:
    """``value`` as a CSV field: quoted (inner quotes doubled) when it holds a comma, quote or newline."""
    if any(special in value for special in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


@dataclass(frozen=True)
class _Pieces:
    """Every distinct piece of row text in one blob: piece ``i`` is ``blob[offsets[i]:offsets[i] + lengths[i]]``."""

    blob: npt.NDArray[np.uint8]
    offsets: npt.NDArray[np.int64]
    lengths: npt.NDArray[np.int64]
    songs: int
    days: int


def _pieces(songs: int, days: int) -> _Pieces:
    """Songs (``0..songs-1``), then dates, then plays (0..MAX_PLAYS), each with its separator."""
    texts = [f"{csv_field(name)}," for name in song_names(songs)]
    texts += [f"{FIRST_DAY + timedelta(days=day):%Y-%m-%d}," for day in range(days)]
    texts += [f"{plays}\n" for plays in range(MAX_PLAYS + 1)]
    encoded = [text.encode() for text in texts]
    lengths = np.fromiter((len(piece) for piece in encoded), dtype=np.int64, count=len(encoded))
    offsets = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
    blob = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    return _Pieces(blob, offsets, lengths, songs, days)


def _chunk(pieces: _Pieces, rng: np.random.Generator, rows: int) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """``rows`` random rows as bytes, and the cumulative byte length at the end of each row."""
    numbers = np.empty((rows, 3), dtype=np.int64)
    numbers[:, 0] = rng.integers(0, pieces.songs, rows)
    numbers[:, 1] = pieces.songs + rng.integers(0, pieces.days, rows)
    numbers[:, 2] = pieces.songs + pieces.days + rng.integers(0, MAX_PLAYS + 1, rows)
    flat = numbers.reshape(-1)
    lengths = pieces.lengths[flat]
    ends = np.cumsum(lengths)
    # Output byte j of piece i comes from blob[offsets[i] + (j - start_i)]: a repeat plus an arange.
    shift = (pieces.offsets[flat] - (ends - lengths)).astype(np.int32)
    gather = np.repeat(shift, lengths.astype(np.int32))
    gather += np.arange(gather.size, dtype=np.int32)
    return pieces.blob[gather], ends[2::3]


def generate(path: Path, *, target_bytes: int, songs: int, days: int, seed: int = 2004) -> PlaysFile:
    """Write rows to ``path`` until it holds about ``target_bytes`` (whole rows, header included)."""
    if songs < 1 or days < 1:
        raise ValueError("songs and days must be at least 1")
    pieces = _pieces(songs, days)
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows, written = 0, len(HEADER)
    with path.open("wb") as handle:
        handle.write(HEADER)
        while written < target_bytes:
            data, row_ends = _chunk(pieces, rng, CHUNK_ROWS)
            keep = min(int(np.searchsorted(row_ends, target_bytes - written, side="left")) + 1, CHUNK_ROWS)
            size = int(row_ends[keep - 1])
            handle.write(data[:size].data)
            rows, written = rows + keep, written + size
    return PlaysFile(path, rows, written)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="the CSV file to write")
    parser.add_argument("--mb", type=float, default=100, help="its size in MB (10**6 bytes); default 100")
    parser.add_argument("--songs", type=int, default=20_000, help="distinct songs; default 20,000")
    parser.add_argument("--days", type=int, default=365, help="consecutive days from 2020-01-01; default 365")
    parser.add_argument("--seed", type=int, default=2004)
    args = parser.parse_args()
    started = time.perf_counter()
    made = generate(args.out, target_bytes=int(args.mb * 1e6), songs=args.songs, days=args.days, seed=args.seed)
    seconds = time.perf_counter() - started
    rate = made.bytes / 1e6 / seconds
    print(f"{made.path}: {made.rows:,} rows, {made.bytes:,} bytes in {seconds:.1f} s ({rate:.0f} MB/s)")


if __name__ == "__main__":
    main()
