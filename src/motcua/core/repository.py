"""Query helpers shared by every module's repository."""

import json
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import JSON, Column, Enum, String, Table, Text, bindparam, func, select, text
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeDecorator, TypeEngine

from motcua.core.models import Base

_CHUNK = 1000
ModelT = TypeVar("ModelT", bound=Base)


def conflict_insert(dialect: str) -> Any:
    """``insert`` with ``on_conflict_do_nothing`` / ``on_conflict_do_update`` for the database in
    use: PostgreSQL's, or SQLite's (same clauses, SQLite >= 3.24)."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def column_values(instance: Base) -> dict[str, Any]:
    """Every column of an unsaved object but its generated ``id``: the parameters of a constant
    INSERT that writes it without the unit of work. Column defaults are not applied: a column
    left unset is written as ``None``."""
    table = instance.__table__
    return {c.key: getattr(instance, c.key) for c in table.columns if c.key != "id"}


def as_written(model: type[ModelT], values: Mapping[str, Any]) -> ModelT:
    """The object of a row just written with these values (every column), as the ORM makes
    one it loads: values set directly, no attribute events, nothing pending. The constructor's
    events cost more than sending the row."""
    instance = cast(ModelT, model.__mapper__.class_manager.new_instance())
    instance.__dict__.update(values)
    return instance


def _element_type(column: Column[Any]) -> TypeEngine[Any]:
    """What one array element of the column's values is sent as: JSON as its text (cast back by
    the statement), enums as their names, decorated types as what they decorate."""
    kind = column.type
    if isinstance(kind, JSON):
        return Text()
    if isinstance(kind, Enum):
        return String()
    if isinstance(kind, TypeDecorator):
        return kind.impl_instance
    return kind


def from_arrays(
    table: Table, columns: Sequence[str], prefix: str, also: Mapping[str, Any] | None = None
) -> Any:
    """PostgreSQL: ``INSERT … SELECT unnest(:prefix_column), …``, one array a column, so any
    number of rows goes in one constant statement (and can be a WITH clause of another);
    ``also`` adds columns whose value is an expression, such as a new parent's id."""
    fixed = dict(also or {})
    selected = list(fixed.values())
    for name in columns:
        column = table.c[name]
        value = func.unnest(
            bindparam(f"{prefix}_{name}", type_=postgresql.ARRAY(_element_type(column)))
        )
        selected.append(sql_cast(value, column.type) if isinstance(column.type, JSON) else value)
    return postgresql.insert(table).from_select([*fixed, *columns], select(*selected))


def array_parameters(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[str], prefix: str, table: Table
) -> dict[str, list[Any]]:
    """The parameters of ``from_arrays``: the rows' values column by column."""
    parameters: dict[str, list[Any]] = {}
    for name in columns:
        values = [row[name] for row in rows]
        if isinstance(table.c[name].type, JSON):
            values = [None if v is None else json.dumps(v) for v in values]
        parameters[f"{prefix}_{name}"] = values
    return parameters


async def insert_missing(
    session: AsyncSession, model: type[Base], rows: Sequence[dict[str, Any]]
) -> None:
    """Insert rows whose key is absent; existing rows stay untouched, so seeds can re-run."""
    insert = conflict_insert(session.get_bind().dialect.name)
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        await session.execute(insert(model).values(list(chunk)).on_conflict_do_nothing())


async def analyze(session: AsyncSession) -> None:
    """Refresh planner statistics after a bulk load, so the first searches use the indexes."""
    await session.execute(text("ANALYZE"))
