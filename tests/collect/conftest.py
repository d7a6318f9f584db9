"""Fixtures of the collector tests: the loopback site and settings with short limits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.collect.server import Site


@pytest.fixture
def site() -> Iterator[Site]:
    s = Site().start()
    yield s
    s.stop()


# Short limits so hostile servers are cut off within the test budget.
FAST = {
    "VIMON_COLLECT_CONNECT_TIMEOUT": "1.5",
    "VIMON_COLLECT_READ_TIMEOUT": "1.5",
    "VIMON_COLLECT_TOTAL_TIMEOUT": "2.0",
    "VIMON_COLLECT_RETRIES": "1",
    "VIMON_COLLECT_BACKOFF_BASE": "0.05",
    "VIMON_COLLECT_BACKOFF_MAX": "0.2",
    "VIMON_COLLECT_HOST_DELAY": "0",
    "VIMON_COLLECT_HOST_CONCURRENCY": "8",
    "VIMON_COLLECT_MAX_BODY_BYTES": str(5 * 1024 * 1024),
    "VIMON_COLLECT_MAX_DECODED_BYTES": str(8 * 1024 * 1024),
    "VIMON_COLLECT_INTERVAL": "0",
    "VIMON_CLASSIFY_ON_INGEST": "0",
}


@pytest.fixture
def csettings(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    from vimon.settings import get_settings, reset_settings

    for k, v in FAST.items():
        monkeypatch.setenv(k, v)
    reset_settings()
    return get_settings()
