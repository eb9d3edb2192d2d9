"""The operators' view of the outbox: the list with its filters, and sending failed reminders again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin import helpers
from django.urls import reverse
from django.utils import timezone

from proposals import reminders
from proposals.models import Reminder, Stage
from tests.reminders.conftest import day_at, in_days, set_due

CHANGELIST = reverse("admin:proposals_reminder_changelist")


@pytest.fixture
def outbox_rows(world):
    """Four reminders of four proposals: two failed for good after a mail server outage, one sent, one pending."""
    proposals = [world.draft(title=f"提案{n}") for n in range(4)]
    due = in_days(20)
    for proposal in proposals:
        set_due(world, proposal, Stage.RESEARCH, due)
    reminders.plan(day_at(timezone.localdate(due) - dt.timedelta(days=1), 9))
    rows = list(Reminder.objects.order_by("pk"))
    assert len(rows) == 4
    failed, sent = rows[:2], rows[2:3]
    Reminder.objects.filter(pk__in=[r.pk for r in failed]).update(
        status=Reminder.Status.FAILED, attempts=6, last_error="SMTPServerDisconnected: Connection unexpectedly closed"
    )
    Reminder.objects.filter(pk__in=[r.pk for r in sent]).update(status=Reminder.Status.SENT, sent_at=timezone.now())
    return rows


def test_the_reminder_list_renders_with_its_filters(client, world, outbox_rows):
    client.force_login(world.admin)
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    page = response.content.decode()
    for query in ("status__exact=failed", "status__exact=pending", "stage__exact=research", "kind__exact=escalation"):
        assert f"?{query}" in page, query
    assert response.context["cl"].result_count == 4
    assert "提醒" in page
    assert "retry_failed" in page  # the action is offered


def test_the_list_filters_by_status(client, world, outbox_rows):
    client.force_login(world.admin)
    response = client.get(CHANGELIST, {"status__exact": "failed"})
    assert response.status_code == 200
    assert {r.pk for r in response.context["cl"].result_list} == {r.pk for r in outbox_rows[:2]}
    response = client.get(CHANGELIST, {"q": "SMTPServerDisconnected"})
    assert response.context["cl"].result_count == 2


def test_a_reminder_is_shown_read_only(client, world, outbox_rows):
    client.force_login(world.admin)
    response = client.get(reverse("admin:proposals_reminder_change", args=[outbox_rows[0].pk]))
    assert response.status_code == 200
    assert "SMTPServerDisconnected" in response.content.decode()
    assert response.context["has_change_permission"] is False
    assert client.get(reverse("admin:proposals_reminder_add")).status_code == 403


def test_send_again_turns_failed_rows_pending(client, world, outbox_rows):
    client.force_login(world.admin)
    failed, sent, pending = outbox_rows[:2], outbox_rows[2], outbox_rows[3]
    response = client.post(
        CHANGELIST,
        {"action": "retry_failed", "index": "0",
         helpers.ACTION_CHECKBOX_NAME: [str(r.pk) for r in [*failed, sent, pending]]},
        follow=True,
    )  # fmt: skip
    assert response.status_code == 200
    assert "将重新发送2封邮件。" in [str(message) for message in response.context["messages"]]
    for row in Reminder.objects.filter(pk__in=[r.pk for r in failed]):
        assert (row.status, row.attempts) == (Reminder.Status.PENDING, 0)
        assert row.send_after <= timezone.now()
    assert Reminder.objects.get(pk=sent.pk).status == Reminder.Status.SENT
    assert Reminder.objects.get(pk=pending.pk).status == Reminder.Status.PENDING


def test_a_secretary_cannot_see_the_outbox(client, world):
    client.force_login(world.secretary)
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
