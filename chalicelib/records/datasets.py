"""The load state of each records table: progress while loading, the day buckets once loaded.

``/logs`` reads it first: a table still loading is answered with its progress (HTTP 503),
never with a silently partial list; a loaded table's ``days`` tell the query which time
buckets exist, newest first.
"""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.models import Model

from chalicelib.config import get_settings
from chalicelib.errors import Unavailable

LOADING = "loading"
READY = "ready"


class Dataset(Model):
    class Meta:
        table_name = get_settings().datasets_table
        region = get_settings().region

    name = UnicodeAttribute(hash_key=True)
    status = UnicodeAttribute(default=LOADING)
    source = UnicodeAttribute(default="")
    fingerprint = UnicodeAttribute(default="")
    rows_total = NumberAttribute(default=0)
    rows_loaded = NumberAttribute(default=0)
    rows_invalid = NumberAttribute(default=0)
    # Every line before this one is in the table: a resumed load starts here.
    checkpoint_line = NumberAttribute(default=1)
    # Lists of strings, as JSON: the day buckets (YYYY-MM-DD) and the first bad rows.
    days = JSONAttribute(default=list)
    errors = JSONAttribute(default=list)
    updated_at = UnicodeAttribute(default="")

    @property
    def percent(self) -> int:
        return int(100 * int(self.rows_loaded) / int(self.rows_total)) if self.rows_total else 0


def ready_dataset(name: str) -> Dataset:
    """The table's state if it is fully loaded; ``Unavailable`` with its progress if not.

    Read on every request (one GetItem, ~1 ms): a cached "ready" would hide a reload in progress.
    """
    try:
        dataset = Dataset.get(name)
    except DoesNotExist:
        raise Unavailable(f"table_name: table {name!r} has no data yet; load it with `make load`") from None
    if dataset.status != READY:
        raise Unavailable(
            f"table_name: table {name!r} is loading: {dataset.percent}% "
            f"({int(dataset.rows_loaded):,} of {int(dataset.rows_total):,} rows); try again shortly"
        )
    return dataset
