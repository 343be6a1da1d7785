"""``GET /logs``: the 100 latest records of a table, newest first (seed 001)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.api.errors import api_errors
from chalicelib.api.params import from_date, optional_text, query_params, required
from chalicelib.errors import InvalidInput
from chalicelib.records import query
from chalicelib.records.tables import TABLES, get_table

bp = Blueprint(__name__)


@bp.route("/logs", methods=["GET"])
@api_errors
def logs() -> dict[str, Any]:
    params = query_params(bp.current_request, ("table_name", "from_date", "user_id"))
    name = required(params, "table_name")
    table = get_table(name)
    if table is None:
        raise InvalidInput("table_name", f"unknown table {name!r}; known: {', '.join(TABLES)}")
    page = query.latest(table, from_date=from_date(params), user_id=optional_text(params, "user_id"))
    return {"table_name": table.name, "records": page.records, "items_read": page.items_read}
