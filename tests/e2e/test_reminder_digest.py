"""One mail per recipient, over real SMTP: a recipient with 30 due items gets one mail listing all 30.

In-process: `reminders.plan` and `reminders.send_due` with Django's SMTP backend against the local aiosmtpd
server of tests/e2e/mailserver.py, which records what it accepted. No worker is needed for this property.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from proposals import reminders, services
from proposals.models import Handling, Reminder, Stage, User
from proposals.workflow import State
from tests.proposals.arrange import bring_to

pytestmark = pytest.mark.slow

ITEMS = 30


def thirty_due_drafts(world, now: dt.datetime) -> list[int]:
    """Thirty drafts of the secretary's branch whose research is due tomorrow: 30 reminders for one person."""
    return [
        world.draft(title=f"关于青年议题第{n}号的建议", research_due=now + dt.timedelta(days=1)).pk
        for n in range(1, ITEMS + 1)
    ]


def test_a_recipient_with_30_due_items_gets_one_mail_listing_all_30(world, mailserver, settings):
    settings.REMINDER_SEND_HOUR = 0  # due from midnight: everything planned now is due now
    now = timezone.now()
    proposals = thirty_due_drafts(world, now)

    planned = reminders.plan(now).planned
    assert len(planned) == ITEMS
    assert {(r.recipient_id, r.stage) for r in planned} == {(world.secretary.pk, Stage.RESEARCH)}
    due = {r.pk for r in Reminder.objects.filter(proposal_id__in=proposals)}

    result = reminders.send_due()

    assert result.mails == 1
    [mail] = mailserver.accepted
    assert mail.recipients == (world.secretary.email,)
    assert sorted(mail.reminder_ids) == sorted(due)
    tally = mailserver.tally(due)
    assert (tally.delivered, tally.duplicates, tally.missing, tally.unexpected) == (ITEMS, 0, 0, 0)
    assert "30" in mail.subject
    for n in range(1, ITEMS + 1):
        assert f"关于青年议题第{n}号的建议" in mail.text
    assert f"{ITEMS}. 关于青年议题第" in mail.text  # numbered 1 to 30
    rows = Reminder.objects.filter(pk__in=due)
    assert set(rows.values_list("status", "message_id")) == {(Reminder.Status.SENT, mail.message_id)}

    # A second run finds nothing left to send.
    assert reminders.send_due().mails == 0
    assert len(mailserver.accepted) == 1


def test_a_digest_reader_gets_the_30_items_in_one_mail_at_their_hour(world, mailserver):
    User.objects.filter(pk=world.secretary.pk).update(reminder_mode=User.ReminderMode.DIGEST, digest_hour=7)
    now = timezone.now()
    proposals = thirty_due_drafts(world, now)

    planned = reminders.plan(now).planned
    assert len(planned) == ITEMS
    [digest_at] = {r.send_after for r in planned}  # all thirty wait for the same moment
    assert timezone.localtime(digest_at).hour == 7
    assert now <= digest_at < now + dt.timedelta(days=1)
    due = {r.pk for r in Reminder.objects.filter(proposal_id__in=proposals)}

    assert reminders.send_due(digest_at - dt.timedelta(seconds=1)).mails == 0
    assert mailserver.accepted == []

    result = reminders.send_due(digest_at)

    assert result.mails == 1
    [mail] = mailserver.accepted
    assert mail.recipients == (world.secretary.email,)
    assert sorted(mail.reminder_ids) == sorted(due)
    assert set(Reminder.objects.filter(pk__in=due).values_list("status", flat=True)) == {Reminder.Status.SENT}


def test_each_units_answer_is_one_item_of_the_same_mail_over_smtp(world, mailserver, settings):
    """In handling, every unit's awaited answer is a reminder of its own; a recipient still gets one mail."""
    settings.REMINDER_SEND_HOUR = 0
    proposal = bring_to(world, State.REGISTERED)
    for unit, role in ((world.unit, "lead"), (world.other_unit, "assisting")):
        services.transition_apply(proposal_id=proposal.pk, actor=world.lead, action="assign_unit", note="",
                                  inputs={"unit": unit.pk, "unit_role": role})  # fmt: skip
    now = Handling.objects.filter(proposal=proposal).first().due_at - dt.timedelta(days=1)

    planned = reminders.plan(now).planned
    assert {(r.recipient_id, r.handling.unit_id) for r in planned} == {
        (person.pk, unit.pk) for person in (world.secretary, world.lead) for unit in (world.unit, world.other_unit)
    }
    result = reminders.send_due(now)

    assert result.mails == 2
    by_recipient = {mail.recipients: mail for mail in mailserver.accepted}
    assert set(by_recipient) == {(world.secretary.email,), (world.lead.email,)}
    for mail in by_recipient.values():
        assert len(mail.reminder_ids) == 2
        assert world.unit.name in mail.text and world.other_unit.name in mail.text
