"""Single rows in and out without the ORM's query compiler, for the hot paths of actions.

Model.save(), QuerySet.create() and .get() compile their SQL on every call; on a case step, which writes
four to six rows and reads three, compiling cost several times what the database did. Here each statement
is built once per model, field list and connection, and the values go through the model fields' own
preparation (`get_db_prep_save`) and conversion (`from_db_value`), so what is stored and read back is
exactly what the ORM would store and read. Only for models without save() overrides or signals.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

from django.db import models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.fields import Field

M = TypeVar("M", bound=models.Model)

_STATEMENTS: dict[tuple[str, ...], tuple[str, tuple[Field[Any, Any], ...]]] = {}


def _connection() -> BaseDatabaseWrapper:
    connection: BaseDatabaseWrapper = transaction.get_connection()
    return connection


def _insert_statement(
    model: type[models.Model], connection: BaseDatabaseWrapper
) -> tuple[str, tuple[Field[Any, Any], ...]]:
    key = ("insert", model._meta.label, connection.alias)
    found = _STATEMENTS.get(key)
    if found is None:
        meta = model._meta
        quote = connection.ops.quote_name
        fields = tuple(field for field in meta.concrete_fields if field is not meta.pk)
        columns = ", ".join(quote(field.column) for field in fields)
        marks = ", ".join(["%s"] * len(fields))
        sql = (
            f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks}) "  # noqa: S608
            f"RETURNING {quote(meta.pk.column)}"
        )
        found = _STATEMENTS[key] = (sql, fields)
    return found


def insert(instance: models.Model) -> None:
    """INSERT `instance` (its primary key automatic and unset) and give it the new key."""
    if instance.pk is not None:
        raise ValueError(f"{instance._meta.label} already has a primary key")
    connection = _connection()
    sql, fields = _insert_statement(type(instance), connection)
    params = [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    instance.pk = row[0]
    instance._state.adding = False
    instance._state.db = connection.alias
    _remember(instance, [field.attname for field in fields])


# What a row held when it was read (build) or written (insert, update), by attribute: update() writes only
# the fields that differ from it. Values of other types (a JSON dict changed in place) always count as
# changed, as do auto_now fields.
_SNAPSHOT = "_rows_snapshot"
_UNCHANGING = (str, int, float, bool, type(None), date, datetime, time, timedelta, Decimal, bytes, UUID)


def _remember(instance: models.Model, attnames: Iterable[str]) -> None:
    snapshot = instance.__dict__.setdefault(_SNAPSHOT, {})
    values = instance.__dict__
    for name in attnames:
        snapshot[name] = values.get(name)


def _changed(instance: models.Model) -> tuple[str, ...] | None:
    """The attributes of `instance` that differ from its snapshot (None when it has none)."""
    snapshot: dict[str, Any] | None = instance.__dict__.get(_SNAPSHOT)
    if snapshot is None:
        return None
    meta = instance._meta
    values = instance.__dict__
    changed = []
    for field in meta.concrete_fields:
        if field is meta.pk:
            continue
        name = field.attname
        value = values.get(name)
        if (
            name not in snapshot
            or type(value) not in _UNCHANGING
            or snapshot[name] != value
            or type(snapshot[name]) is not type(value)
            or getattr(field, "auto_now", False)
        ):
            changed.append(name)
    return tuple(changed)


def update(instance: models.Model, fields: Sequence[str] | None = None) -> None:
    """UPDATE `instance`'s row with the values of `fields`; when None, of the fields that changed since it
    was read or written here (every concrete field for an instance this module has not seen)."""
    connection = _connection()
    meta = instance._meta
    if fields is None:
        changed = _changed(instance)
        if changed is not None:
            if not changed:
                return
            fields = changed
    names = tuple(fields) if fields is not None else ("*",)
    key = ("update", meta.label, connection.alias, *names)
    found = _STATEMENTS.get(key)
    if found is None:
        quote = connection.ops.quote_name
        chosen: tuple[Field[Any, Any], ...] = tuple(
            field
            for field in meta.concrete_fields
            if field is not meta.pk and (fields is None or field.name in names or field.attname in names)
        )
        if fields is not None and len(chosen) != len(names):
            raise ValueError(f"{meta.label} has no concrete field among {names}")
        assignments = ", ".join(f"{quote(str(field.column))} = %s" for field in chosen)
        sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(str(meta.pk.column))} = %s"  # noqa: S608
        found = _STATEMENTS[key] = (sql, chosen)
    sql, chosen_fields = found
    params = [field.get_db_prep_save(field.pre_save(instance, False), connection) for field in chosen_fields]
    params.append(meta.pk.get_db_prep_value(instance.pk, connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount != 1:
            raise RuntimeError(f"{meta.label} {instance.pk} was not updated (gone?)")
    _remember(instance, [field.attname for field in chosen_fields])


_COLUMNS: dict[tuple[str, str, frozenset[str]], tuple[list[str], list[Field[Any, Any]]]] = {}


def columns(
    model: type[models.Model], *, exclude: Iterable[str] = ()
) -> tuple[list[str], list[Field[Any, Any]]]:
    """The qualified, quoted columns of `model` (for a hand-written SELECT) and its fields in that order."""
    connection = _connection()
    skipped = frozenset(exclude)
    key = (model._meta.label, connection.alias, skipped)
    found = _COLUMNS.get(key)
    if found is None:
        quote = connection.ops.quote_name
        fields = [field for field in model._meta.concrete_fields if field.name not in skipped]
        table = quote(model._meta.db_table)
        found = _COLUMNS[key] = ([f"{table}.{quote(field.column)}" for field in fields], fields)
    return found


def build(model: type[M], fields: Sequence[Field[Any, Any]], values: Sequence[Any]) -> M:
    """A model instance from a raw row in `fields` order: values converted as the ORM converts them, fields
    left out are deferred (loaded on first access)."""
    connection = _connection()
    names, conversions = _reading(model, fields, connection)
    converted = list(values)
    for index, expression, converters in conversions:
        value = converted[index]
        for converter in converters:
            value = converter(value, expression, connection)
        converted[index] = value
    instance = model.from_db(connection.alias, names, converted)
    instance.__dict__[_SNAPSHOT] = dict(zip(names, converted, strict=True))
    return instance


_READING: dict[tuple[Any, ...], tuple[list[str], list[tuple[int, Any, list[Any]]]]] = {}


def _reading(
    model: type[models.Model], fields: Sequence[Field[Any, Any]], connection: BaseDatabaseWrapper
) -> tuple[list[str], list[tuple[int, Any, list[Any]]]]:
    """The attribute names for from_db and, for the fields that need one, their converters."""
    key = (model._meta.label, connection.alias, *(field.attname for field in fields))
    found = _READING.get(key)
    if found is None:
        conversions = []
        for index, field in enumerate(fields):
            expression, converters = _converters(field, connection)
            if converters:
                conversions.append((index, expression, converters))
        found = _READING[key] = ([field.attname for field in fields], conversions)
    return found


def convert(field: Field[Any, Any], value: Any, connection: BaseDatabaseWrapper | None = None) -> Any:
    """A raw column value as the ORM would give it for `field` (dates, booleans, JSON, …)."""
    connection = connection or _connection()
    expression, converters = _converters(field, connection)
    for converter in converters:
        value = converter(value, expression, connection)
    return value


_CONVERTERS: dict[tuple[str, str, str], tuple[Any, list[Any]]] = {}


def _converters(field: Field[Any, Any], connection: BaseDatabaseWrapper) -> tuple[Any, list[Any]]:
    key = (field.model._meta.label, field.attname, connection.alias)
    found = _CONVERTERS.get(key)
    if found is None:
        expression = field.get_col(field.model._meta.db_table)
        own = field.get_db_converters(connection)  # type: ignore[attr-defined]
        converters = [*connection.ops.get_db_converters(expression), *own]
        found = _CONVERTERS[key] = (expression, converters)
    return found
