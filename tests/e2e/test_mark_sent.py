"""A database connection lost at the statement that marks a mail sent does not send the mail again.

In-process, with real PostgreSQL and the local SMTP server of tests/e2e/mailserver.py: once each mail's content
arrived, and before the server accepts it, the server's handler terminates the sender's database connection
(pg_terminate_backend from a connection of its own). The next statement of the sender is the one that marks
that mail sent. Before the fix it failed, the rows stayed 'sending', and after the lease they went out again.
"""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from proposals import reminders
from proposals.models import Reminder
from tests.e2e.mailserver import MailServer
from tests.e2e.test_reminder_faults import make_due_drafts

pytestmark = pytest.mark.slow

SECRETARIES = 10  # ten mails, each followed by a lost connection


def terminate_other_backends() -> None:
    """From a connection of its own: end every other session of the test database (the sender's)."""
    db = connection.settings_dict
    conninfo = {"host": db["HOST"] or "localhost", "port": db["PORT"] or None, "user": db["USER"] or None,
                "password": db["PASSWORD"] or None, "dbname": db["NAME"]}  # fmt: skip
    with psycopg.connect(**conninfo, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def test_the_connection_terminated_at_the_mark_is_reopened_and_no_mail_goes_twice(
    requires_postgresql, committed_world, settings, caplog
):
    drafts = make_due_drafts(committed_world, SECRETARIES, 2)
    with MailServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", server.port, 10
        settings.REMINDER_SEND_HOUR = 0
        now = timezone.now()
        reminders.plan(now)
        due = set(drafts.outbox().values_list("pk", flat=True))
        server.after_data(terminate_other_backends)

        result = reminders.send_due(now)
        server.after_data(None)
        # What a later sweep would do: take back claims older than the lease, and send what is left.
        after_lease = now + dt.timedelta(seconds=django_settings.REMINDER_CLAIM_LEASE_SECONDS + 1)
        reminders.send_due(after_lease)

        tally = server.tally(due)
    assert (tally.delivered, tally.missing, tally.duplicates) == (len(due), 0, 0), tally.duplicated_ids
    assert tally.mails == SECRETARIES
    assert caplog.text.count("Marking mail") == SECRETARIES, "the connection was not lost at each mark"
    assert len(result.sent) == len(due)
    assert set(drafts.outbox().values_list("status", flat=True)) == {Reminder.Status.SENT}
