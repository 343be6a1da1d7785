"""The registry of record tables served by ``/logs``.

Adding a table is one ``RecordTable`` entry here (and its CSV): the loader, the provisioning
and the ``/logs`` handler all work from this description.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnKind = Literal["int", "str", "datetime"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: ColumnKind


@dataclass(frozen=True)
class RecordTable:
    """A CSV-backed table: its API name, its file and its typed columns.

    Every table has a ``date`` (datetime) and a ``user_id`` column, since ``/logs`` orders by
    the first and filters by both. ``id_column`` breaks ties between equal dates; when
    ``numbered`` is set, several rows share an id (the items of one sale) and are numbered
    in file order to keep each one distinct.
    """

    name: str
    csv_file: str
    columns: tuple[Column, ...]
    id_column: str
    numbered: bool = False

    def __post_init__(self) -> None:
        kinds = {column.name: column.kind for column in self.columns}
        if kinds.get("date") != "datetime" or "user_id" not in kinds:
            raise ValueError(f"table {self.name} needs a datetime 'date' and a 'user_id' column")
        if kinds.get(self.id_column) != "int":
            raise ValueError(f"table {self.name}: id column {self.id_column} must be an int")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


# The columns both sales tables have: a sale's id, when, what it cost, and who bought.
SALE_ID = Column("sale_id", "int")
DATE = Column("date", "datetime")
PRICE = Column("price", "int")
USER_ID = Column("user_id", "str")

SALES = RecordTable(
    name="sales",
    csv_file="df_sales.csv",
    columns=(SALE_ID, DATE, Column("count_pizza", "int"), Column("count_drink", "int"), PRICE, USER_ID),
    id_column="sale_id",
)

SALES_DETAIL = RecordTable(
    name="sales_detail",
    csv_file="df_sales_detail.csv",
    columns=(SALE_ID, Column("good", "str"), PRICE, DATE, USER_ID),
    id_column="sale_id",
    numbered=True,
)

TABLES: dict[str, RecordTable] = {table.name: table for table in (SALES, SALES_DETAIL)}
