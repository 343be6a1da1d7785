"""The import-rows table's items as a PynamoDB model: one per row, and the counters at line 0.

The table (``import_id`` S, ``line`` N) keeps the attribute names the API shows (``userId``,
``postId``). ``transactions()`` is the connection that ``TransactWrite`` uses to change a row
and the counters together; like the models', its endpoint comes from ``AWS_ENDPOINT_URL*``.
"""

from __future__ import annotations

from functools import lru_cache

from pynamodb.attributes import NumberAttribute, NumberSetAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.models import Model

from chalicelib.aws import clients
from chalicelib.config import get_settings

SUMMARY_LINE = 0


class ImportItem(Model):
    """An item of the import-rows table: a row (line 1 on), ``sending`` while its request may be
    out, then its outcome; or, at line 0, the import's counters, moved in the transaction that
    records each row. One model for both, so a worker builds one connection for the table, not two."""

    class Meta:
        table_name = get_settings().import_rows_table
        region = get_settings().region

    import_id = UnicodeAttribute(hash_key=True)
    line = NumberAttribute(range_key=True)
    # Seconds since the epoch: DynamoDB's time to live deletes the item after it (RETENTION_DAYS).
    expires_at = NumberAttribute()
    # A row's.
    result = UnicodeAttribute(null=True)
    user_id = NumberAttribute(null=True, attr_name="userId")
    post_id = NumberAttribute(null=True, attr_name="postId")
    error = UnicodeAttribute(null=True)
    # Who marked the row ``sending``: a claim whose answer was lost recognises its own mark by it.
    claim_token = UnicodeAttribute(null=True)
    # The counters' (line 0).
    rows_total = NumberAttribute(null=True)
    rows_in = NumberAttribute(null=True)
    rows_invalid = NumberAttribute(null=True)
    rows_sent = NumberAttribute(null=True)
    rows_failed = NumberAttribute(null=True)
    rows_unknown = NumberAttribute(null=True)
    # The lines a retry marked to be sent again (their outcome was unknown), in the summary.
    resend_lines = NumberSetAttribute(null=True)


COUNTERS = ("rows_total", "rows_in", "rows_invalid", "rows_sent", "rows_failed", "rows_unknown")


@lru_cache(maxsize=1)
def transactions() -> Connection:
    """The connection for ``TransactWrite`` (built once; ``clients.reset`` forgets it)."""
    return Connection(region=get_settings().region)


clients.on_reset(transactions.cache_clear)
