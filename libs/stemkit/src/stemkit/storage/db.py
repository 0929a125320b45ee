"""Database plumbing every service shares: engines for SQLite and PostgreSQL, and the
outbox and inbox tables that live in each service's own database.

The outbox and inbox are defined here once, on their own MetaData; each service's Alembic
environment migrates them together with its own tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    event,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def service_metadata() -> MetaData:
    """A new MetaData with the naming convention every service's tables share: each
    service's `adapters/orm.py` puts its tables on one."""
    return MetaData(naming_convention=NAMING)


# The platform's own tables, the same in every service's database.
metadata = service_metadata()

# BIGINT autoincrement on PostgreSQL; SQLite only autoincrements INTEGER PRIMARY KEY.
_SEQ = BigInteger().with_variant(Integer(), "sqlite")

outbox = Table(
    "outbox",
    metadata,
    Column("seq", _SEQ, primary_key=True, autoincrement=True, comment="publish order"),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("topic", String(255), nullable=False),
    Column("key", String(255), nullable=False),
    Column("event_type", String(255), nullable=False),
    Column("envelope", Text, nullable=False, comment="the CloudEvent, structured JSON"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text, nullable=True),
    # A row that can never be sent (or waits behind one with its key) is parked: skipped by
    # the relay until ops retry it (stemkit.eventing.relay, ADR 0008).
    Column("parked_at", DateTime(timezone=True), nullable=True),
    Column("parked_reason", Text, nullable=True),
)
Index("ix_outbox_unsent", outbox.c.sent_at, outbox.c.seq)
Index("ix_outbox_parked", outbox.c.parked_at)

inbox = Table(
    "inbox",
    metadata,
    Column("consumer", String(128), primary_key=True),
    Column("event_id", String(64), primary_key=True),
    Column("event_type", String(255), nullable=False),
    Column("handled_at", DateTime(timezone=True), nullable=False),
)


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    # WAL lets the API read while the relay and consumer write; the busy timeout makes
    # concurrent writers wait instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str, *, statement_timeout: float = 0, **kwargs: Any) -> AsyncEngine:
    """An async engine for `postgresql+asyncpg://` or `sqlite+aiosqlite://` URLs.

    `statement_timeout` (seconds, 0: none) makes PostgreSQL cancel a statement that runs
    longer, so a query whose caller has given up (the gateway waits 5 s) does not keep its
    connection and its locks; set per connection, so it holds for every session. SQLite has
    no such setting and is left as it is.
    """
    if url.startswith("sqlite"):
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_pre_ping", True)
    if statement_timeout:
        milliseconds = str(max(1, round(statement_timeout * 1000)))
        server_settings = kwargs.setdefault("connect_args", {}).setdefault("server_settings", {})
        server_settings.setdefault("statement_timeout", milliseconds)
    return create_async_engine(url, **kwargs)


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def database_reachable(engine: AsyncEngine) -> bool:
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


def prepare_url(url: str) -> str:
    """An async URL ready to open: `postgresql://` gets the asyncpg driver, and the folder of
    a SQLite file is created (SQLite creates the file but not its folder)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
    return parsed.render_as_string(hide_password=False)


@dataclass(frozen=True)
class Database:
    """A service's database: the engine and the session factory every entrypoint uses."""

    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]

    async def dispose(self) -> None:
        await self.engine.dispose()


def open_database(url: str, *, statement_timeout: float = 0) -> Database:
    engine = make_engine(prepare_url(url), statement_timeout=statement_timeout)
    return Database(engine=engine, session_factory=make_session_factory(engine))
