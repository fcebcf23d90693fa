"""Column helpers shared by the models."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Integer
from sqlmodel import Field, SQLModel

from app.db import JSONType, UTCDateTime, utcnow

# Stable constraint names, so migrations can alter them on every back end.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# 64-bit ids on PostgreSQL; SQLite only auto-increments a column typed INTEGER.
ID_TYPE = BigInteger().with_variant(Integer(), "sqlite")


def id_field() -> Any:
    return Field(default=None, primary_key=True, sa_type=ID_TYPE)


def tenant_fk() -> Any:
    return Field(foreign_key="tenant.id", index=True, sa_type=ID_TYPE, ondelete="CASCADE")


def fk(target: str, *, nullable: bool = False, index: bool = True) -> Any:
    if nullable:
        return Field(
            default=None, foreign_key=target, index=index, sa_type=ID_TYPE, nullable=True
        )
    return Field(foreign_key=target, index=index, sa_type=ID_TYPE)


def timestamp(*, nullable: bool = True) -> Any:
    if nullable:
        return Field(default=None, sa_type=UTCDateTime, nullable=True)
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def json_field() -> Any:
    return Field(default_factory=dict, sa_type=JSONType, nullable=False)


def json_list_field() -> Any:
    return Field(default_factory=list, sa_type=JSONType, nullable=False)
