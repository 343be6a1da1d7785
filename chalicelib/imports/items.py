"""The import-rows table's items as PynamoDB models: one per row, and the counters at line 0.

The table (``import_id`` S, ``line`` N) keeps the attribute names the API shows (``userId``,
``postId``). ``transactions()`` is the connection that ``TransactWrite`` uses to change a row
and the counters together; like the models', its endpoint comes from ``AWS_ENDPOINT_URL*``.
"""

from __future__ import annotations

from functools import lru_cache

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.models import Model

from chalicelib.config import get_settings

SUMMARY_LINE = 0


class ImportRow(Model):
    """One row of an import: ``sending`` while its request may be out, then its outcome."""

    class Meta:
        table_name = get_settings().import_rows_table
        region = get_settings().region

    import_id = UnicodeAttribute(hash_key=True)
    line = NumberAttribute(range_key=True)
    result = UnicodeAttribute()
    user_id = NumberAttribute(null=True, attr_name="userId")
    post_id = NumberAttribute(null=True, attr_name="postId")
    error = UnicodeAttribute(null=True)
    # Seconds since the epoch: DynamoDB's time to live deletes the item after it (RETENTION_DAYS).
    expires_at = NumberAttribute()


class ImportCounters(Model):
    """An import's counters (the item at line 0), moved in the transaction that records each row."""

    class Meta:
        table_name = get_settings().import_rows_table
        region = get_settings().region

    import_id = UnicodeAttribute(hash_key=True)
    line = NumberAttribute(range_key=True, default=SUMMARY_LINE)
    rows_total = NumberAttribute(default=0)
    rows_in = NumberAttribute(default=0)
    rows_invalid = NumberAttribute(default=0)
    rows_sent = NumberAttribute(default=0)
    rows_failed = NumberAttribute(default=0)
    rows_unknown = NumberAttribute(default=0)
    expires_at = NumberAttribute()


COUNTERS = ("rows_total", "rows_in", "rows_invalid", "rows_sent", "rows_failed", "rows_unknown")


@lru_cache(maxsize=1)
def transactions() -> Connection:
    """The connection for ``TransactWrite`` (built once; tests that switch endpoints clear it)."""
    return Connection(region=get_settings().region)
