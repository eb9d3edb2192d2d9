"""Fixtures of the end-to-end tests: every process a test starts is stopped after it, whatever happens."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.processes import Processes


@pytest.fixture
def processes(tmp_path) -> Iterator[Processes]:
    manager = Processes(tmp_path)
    try:
        yield manager
    finally:
        manager.stop_all()
