"""A mail server that closes the connection mid-batch is reconnected to, and every mail goes out once.

In-process: `reminders.send_due` with Django's SMTP backend against the local aiosmtpd server of
tests/e2e/mailserver.py, playing each way a server ends a connection: a relay's per-connection limit (421 to the
next MAIL, then a hang-up) and a relay that cuts the connection after a mail's content without keeping it.
Before the fix, every mail after the first hang-up failed with "please run connect() first" without being
offered, and each such failure cost an attempt.
"""

from __future__ import annotations

import pytest
from django.db.models import Count
from django.utils import timezone

from proposals import reminders
from proposals.models import Reminder
from tests.e2e.mailserver import MailServer
from tests.e2e.test_reminder_faults import make_due_drafts

pytestmark = pytest.mark.slow

SECRETARIES = 40  # one mail each, listing their DRAFTS_EACH reminders
DRAFTS_EACH = 2


@pytest.fixture(autouse=True)
def send_now(settings) -> None:
    settings.REMINDER_SEND_HOUR = 0  # what is planned now is due now


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(lambda server: server.limit_per_connection(5), id="421-after-5-mails-per-connection"),
        pytest.param(lambda server: server.drop_every(4), id="connection-cut-after-every-4th-mail's-data"),
    ],
)
def test_a_connection_the_server_closed_is_reopened_and_every_mail_goes_out_once(world, mailserver, fault):
    drafts = make_due_drafts(world, SECRETARIES, DRAFTS_EACH)
    fault(mailserver)
    now = timezone.now()
    reminders.plan(now)
    due = set(drafts.outbox().values_list("pk", flat=True))
    assert len(due) == SECRETARIES * DRAFTS_EACH

    result = reminders.send_due(now)

    tally = mailserver.tally(due)
    assert mailserver.closed + mailserver.dropped > 0, "the fault was never played"
    assert (tally.delivered, tally.missing, tally.duplicates) == (len(due), 0, 0)
    assert tally.mails == SECRETARIES
    assert (len(result.sent), result.retried, result.failed) == (len(due), [], [])
    rows = drafts.outbox().values_list("status", "attempts").annotate(n=Count("pk")).order_by()
    assert {(status, attempts): n for status, attempts, n in rows} == {(Reminder.Status.SENT, 1): len(due)}, (
        "one attempt each: the mail the server was offered"
    )


def test_an_unreachable_server_costs_no_attempt_and_the_rows_wait_for_a_retry(world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_TIMEOUT = "127.0.0.1", 5
    settings.EMAIL_PORT = MailServer().port  # a free port where nothing listens
    settings.REMINDER_SEND_HOUR = 0
    drafts = make_due_drafts(world, 3, DRAFTS_EACH)
    now = timezone.now()
    reminders.plan(now)

    result = reminders.send_due(now)

    assert len(result.retried) == 3 * DRAFTS_EACH and result.sent == result.failed == []
    rows = list(drafts.outbox().values_list("status", "attempts", "failing_since"))
    assert {(status, attempts) for status, attempts, _since in rows} == {(Reminder.Status.PENDING, 0)}
    assert {since for _status, _attempts, since in rows} == {now}
