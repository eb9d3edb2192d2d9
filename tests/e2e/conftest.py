"""Fixtures of the end-to-end tests: every process a test starts is stopped after it, whatever happens."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.mailserver import MailServer
from tests.e2e.processes import Processes


@pytest.fixture
def processes(tmp_path) -> Iterator[Processes]:
    manager = Processes(tmp_path)
    try:
        yield manager
    finally:
        manager.stop_all()


@pytest.fixture
def mailserver(settings) -> Iterator[MailServer]:
    """A real SMTP server in this process, and the settings that send to it."""
    with MailServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_TIMEOUT = 10
        yield server
