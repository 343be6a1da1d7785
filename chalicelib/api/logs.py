"""``GET /logs``: the 100 latest records of a table, newest first (seed 001)."""

from __future__ import annotations

from chalice.app import Blueprint

from chalicelib.api.contract import operation
from chalicelib.api.models.logs import LogsPage, LogsQuery
from chalicelib.records import query as records
from chalicelib.records.tables import TABLES

bp = Blueprint(__name__)


@bp.route("/logs", methods=["GET"])
@operation(
    bp,
    "The 100 latest records of a table, newest first",
    {200: LogsPage},
    query=LogsQuery,
    errors=(503,),
    headers={503: {"Retry-After": "Seconds to wait: the table is still loading."}},
)
def logs(query: LogsQuery) -> LogsPage:
    table = TABLES[query.table_name]
    page = records.latest(table, from_date=query.from_date, user_id=query.user_id)
    return LogsPage(table_name=table.name, records=page.records, items_read=page.items_read)
