from __future__ import annotations

import pytest

from tests.outreach.corpus import load


@pytest.fixture
def loaded(store, settings):  # type: ignore[no-untyped-def]
    return store, load(store, settings)
