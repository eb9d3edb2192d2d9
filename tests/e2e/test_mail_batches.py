"""A batch of reminder mails goes over one SMTP session, each mail once, each marked sent right after the server
accepted it; a crash in the middle of a batch sends at most the mail in flight twice (#18 item 5).

In-process: `reminders.send_due` with Django's SMTP backend against the local aiosmtpd server of
tests/e2e/mailserver.py, which counts the sessions clients open and records every mail it accepts.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from proposals import outbox, reminders
from proposals.models import Reminder
from proposals.reminders import sending
from tests.e2e.test_reminder_faults import make_due_drafts


def crashing_at_call(n: int, function):
    """`function`, but the worker dies (WorkerCrash) at its n-th call instead."""
    calls = []

    def crashing(*args, **kwargs):
        calls.append(args)
        if len(calls) == n:
            raise WorkerCrash
        return function(*args, **kwargs)

    return crashing


class WorkerCrash(Exception):
    """A worker dying at a chosen moment."""


@pytest.fixture(autouse=True)
def send_now(settings) -> None:
    settings.REMINDER_SEND_HOUR = 0  # what is planned now is due now


def planned(world, mails: int) -> tuple[dt.datetime, set[int]]:
    drafts = make_due_drafts(world, mails, 1)  # one secretary each: one mail per reminder
    now = timezone.now()
    reminders.plan(now)
    due = set(drafts.outbox().values_list("pk", flat=True))
    assert len(due) == mails
    return now, due


def statuses() -> dict[str, int]:
    return {status: Reminder.objects.filter(status=status).count() for status in Reminder.Status.values
            if Reminder.objects.filter(status=status).exists()}  # fmt: skip


def test_the_claims_of_a_run_share_one_smtp_session_and_every_mail_goes_out_once(world, mailserver, settings):
    settings.REMINDER_BATCH_SIZE = 10  # three claims
    now, due = planned(world, 30)

    result = reminders.send_due(now)

    tally = mailserver.tally(due)
    assert (tally.delivered, tally.missing, tally.duplicates, tally.mails) == (30, 0, 0, 30)
    assert mailserver.sessions == 1, "one SMTP session for the whole run, not one per mail or per claim"
    assert (len(result.sent), result.mails, result.retried, result.failed) == (30, 30, [], [])
    assert statuses() == {Reminder.Status.SENT: 30}


def test_a_connection_killed_mid_batch_is_reopened_once_and_no_mail_is_lost_or_doubled(world, mailserver):
    now, due = planned(world, 20)
    mailserver.drop_every(8)  # the 8th and 16th mails: their connection is cut before the server keeps them

    reminders.send_due(now)

    tally = mailserver.tally(due)
    assert mailserver.dropped == 2
    assert (tally.delivered, tally.missing, tally.duplicates) == (20, 0, 0)
    assert mailserver.sessions == 1 + mailserver.dropped, "a new session after each cut, none otherwise"
    assert statuses() == {Reminder.Status.SENT: 20}


def test_a_crash_between_acceptance_and_the_mark_sends_only_the_mail_in_flight_twice(world, mailserver, monkeypatch,
                                                                                    settings):  # fmt: skip
    now, due = planned(world, 12)
    marked_before = outbox.mark_sent
    # The server has accepted the fifth mail; the worker dies before recording it.
    monkeypatch.setattr(outbox, "mark_sent", crashing_at_call(5, marked_before))
    with pytest.raises(WorkerCrash):
        reminders.send_due(now)
    monkeypatch.setattr(outbox, "mark_sent", marked_before)

    assert len(mailserver.accepted) == 5
    assert statuses() == {Reminder.Status.SENT: 4, Reminder.Status.SENDING: 8}, "the first four marked at once"
    in_flight = set(mailserver.accepted[-1].reminder_ids)

    later = now + dt.timedelta(seconds=settings.REMINDER_CLAIM_LEASE_SECONDS + 1)  # the dead worker's lease ran out
    reminders.send_due(later)

    tally = mailserver.tally(due)
    assert (tally.delivered, tally.missing, tally.duplicates) == (12, 0, 1)
    assert set(tally.duplicated_ids) == in_flight, "only the mail in flight went out twice"
    assert statuses() == {Reminder.Status.SENT: 12}


def test_a_crash_while_a_mail_is_built_sends_nothing_twice(world, mailserver, monkeypatch, settings):
    now, due = planned(world, 12)
    built_before = sending.build_mail
    monkeypatch.setattr(sending, "build_mail", crashing_at_call(7, built_before))
    with pytest.raises(WorkerCrash):
        reminders.send_due(now)
    monkeypatch.setattr(sending, "build_mail", built_before)
    assert statuses() == {Reminder.Status.SENT: 6, Reminder.Status.SENDING: 6}

    reminders.send_due(now + dt.timedelta(seconds=settings.REMINDER_CLAIM_LEASE_SECONDS + 1))

    tally = mailserver.tally(due)
    assert (tally.delivered, tally.missing, tally.duplicates) == (12, 0, 0)
    assert statuses() == {Reminder.Status.SENT: 12}


def test_the_statements_of_a_run_grow_by_one_mark_per_mail(world, mailserver, monkeypatch):
    monkeypatch.setattr(sending, "FRESH_SECONDS", 3600.0)  # no re-read for age on a slow machine: counted alone
    now, due = planned(world, 30)
    ids = sorted(due)
    counts = {}
    for part in (ids[:5], ids[5:]):  # a run of 5 mails, then one of 25
        with CaptureQueriesContext(connection) as queries:
            result = reminders.send_due(now, ids=part)
        assert result.mails == len(part)
        marks = [q for q in queries.captured_queries if q["sql"].startswith('UPDATE "proposals_reminder" SET "status"')
                 and "'sent'" in q["sql"]]  # fmt: skip
        counts[len(part)] = (len(queries.captured_queries), len(marks))
    assert counts[5][1] == 5 and counts[25][1] == 25, "one statement marks each mail sent"
    assert counts[25][0] - counts[5][0] == 20, f"only the marks grow with the mails: {counts}"
    assert counts[5][0] - 5 <= 20, f"the rest is a few statements per run: {counts}"
    assert mailserver.tally(due).duplicates == 0
