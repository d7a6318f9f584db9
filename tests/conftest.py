"""Shared fixtures.

The store contract suite runs every test on SQLite and on PostgreSQL. PostgreSQL and Redis
tests use the servers named by ``VIMON_TEST_POSTGRES_URL`` / ``VIMON_TEST_REDIS_URL``; when a
server is unreachable they are skipped with a loud notice, unless ``VIMON_REQUIRE_SERVICES=1``
(set by CI), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_ADMIN_URL = os.environ.get(
    "VIMON_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("VIMON_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REQUIRE = os.environ.get("VIMON_REQUIRE_SERVICES") == "1"
SHARED_DATA = Path(os.environ.get("VIMON_SHARED_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"))

_unavailable: dict[str, str] = {}


def service_missing(name: str, why: str) -> None:
    """Skip (loudly) or fail, depending on VIMON_REQUIRE_SERVICES."""
    msg = f"{name} unavailable: {why}"
    if REQUIRE:
        pytest.fail(f"{msg} (VIMON_REQUIRE_SERVICES=1)")
    _unavailable[name] = why
    pytest.skip(msg)


def pytest_terminal_summary(terminalreporter):  # type: ignore[no-untyped-def]
    for name, why in _unavailable.items():
        terminalreporter.write_line(
            f"!!! {name} tests SKIPPED: {why} — start the service or set VIMON_TEST_*_URL",
            red=True, bold=True,
        )


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test gets its own VIMON_HOME and fresh settings; no config file leaks in."""
    from vimon.settings import reset_settings

    for key in list(os.environ):
        if key.startswith("VIMON_") and not key.startswith(("VIMON_TEST_", "VIMON_REQUIRE")) \
                and key != "VIMON_SHARED_DATA":
            monkeypatch.delenv(key)
    monkeypatch.setenv("VIMON_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("VIMON_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("VIMON_ENVIRONMENT", "test")
    reset_settings()
    yield
    reset_settings()


@pytest.fixture
def settings():  # type: ignore[no-untyped-def]
    from vimon.settings import get_settings

    return get_settings()


def _pg_database() -> Iterator[str]:
    import sqlalchemy as sa

    try:
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any connection problem means "unavailable"
        service_missing("PostgreSQL", f"{PG_ADMIN_URL}: {type(exc).__name__}")
    name = f"vimon_t_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from _pg_database()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path: Path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A fresh, empty database URL on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite'}"
    else:
        yield from _pg_database()


@pytest.fixture
def redis_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The test Redis, reachable; the test's queue keys go under ``VIMON_QUEUE_NAMESPACE``
    (set here, unique per test) and are deleted afterwards."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except Exception as exc:  # noqa: BLE001 - any connection problem means "unavailable"
        service_missing("Redis", f"{REDIS_URL}: {type(exc).__name__}")
    namespace = f"vimon-t-{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("VIMON_QUEUE_NAMESPACE", namespace)
    from vimon.settings import reset_settings

    reset_settings()
    try:
        yield REDIS_URL
    finally:
        keys = list(client.scan_iter(f"{namespace}:*"))
        if keys:
            client.delete(*keys)
        client.close()


@pytest.fixture
def store(db_url: str):  # type: ignore[no-untyped-def]
    from vimon.store import open_store

    s = open_store(db_url)
    yield s
    s.close()


@pytest.fixture
def sqlite_store(tmp_path: Path):  # type: ignore[no-untyped-def]
    from vimon.store import open_store

    s = open_store(f"sqlite:///{tmp_path / 'one.sqlite'}")
    yield s
    s.close()


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        if os.environ.get("VIMON_REQUIRE_DATA") == "1":
            pytest.fail(f"shared data missing at {SHARED_DATA} (VIMON_REQUIRE_DATA=1)")
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA
