"""A mail server that closes the connection mid-batch is reconnected to, and every mail goes out once.

In-process: `reminders.send_due` with Django's SMTP backend against the local aiosmtpd server of
tests/e2e/mailserver.py, playing each way a server ends a connection: a relay's per-connection limit (421 to the
next MAIL, then a hang-up) and a relay that cuts the connection after a mail's content without keeping it.
Before the fix, every mail after the first hang-up failed with "please run connect() first" without being
offered, and each such failure cost an attempt.
"""

from __future__ import annotations

from collections import Counter

import pytest
from django.db.models import Count
from django.utils import timezone

from proposals import need_replies, reminders, services
from proposals.models import NeedReply, Reminder
from proposals.workflow import State
from tests.e2e.mailserver import MailServer
from tests.e2e.test_reminder_faults import make_due_drafts
from tests.proposals.arrange import bring_to, fire

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


def test_replies_to_needs_go_out_once_each_through_a_server_that_cuts_connections(world, mailserver):
    """The outbox of replies to needs (#16) is sent by the same machinery: a relay that cuts the connection after
    every third mail's content (keeping none of them) costs each mail one more offer, never a duplicate."""
    proposal = bring_to(world, State.REGISTERED)
    for number in range(9):
        need = services.need_record(
            actor=world.secretary, organisation_id=world.branch.pk, summary=f"希望增加暑期托管服务（{number}）",
            topic="child_care", channel="survey", contact_email=f"parent{number}@example.org", contact_consent=True,
            wants_reply=True,
        )  # fmt: skip
        services.need_accept(actor=world.secretary, need_id=need.pk, theme="暑期托管")
        services.need_link(actor=world.secretary, need_id=need.pk, proposal_id=proposal.pk)
    fire(world, proposal, "assign_unit", "lead", inputs={"unit": world.unit.pk, "unit_role": "lead"})
    fire(world, proposal, "record_answer", "secretary", inputs={
        "unit": world.unit.pk, "answer": "2027年起每个街道开设暑期托管班。", "answer_class": "A",
        "answer_method": "writing"})  # fmt: skip
    mailserver.drop_every(3)
    due = {f"<need-reply-{pk}@127.0.0.1>" for pk in NeedReply.objects.values_list("pk", flat=True)}
    assert len(due) == 9

    result = need_replies.send_due(timezone.now())

    seen = Counter(mail.message_id for mail in mailserver.accepted if mail.message_id in due)
    assert mailserver.dropped > 0, "the fault was never played"
    assert set(seen) == due and set(seen.values()) == {1}
    assert (len(result.sent), result.retried, result.failed) == (9, [], [])
    assert set(NeedReply.objects.values_list("status", flat=True)) == {NeedReply.Status.SENT}
