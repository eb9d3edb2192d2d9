"""The delivery machinery shared by reminders and notices (proposals/outbox.py): notices go out once from their
outbox, sweeps run one at a time and hand a row out once per lease, the settings refuse a lease shorter than a
mail can take, and operators see the outboxes' health."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from proposals import notifications, outbox, reminders, tasks
from proposals.models import Notice, OutboxLock, Reminder
from tests.proposals.arrange import assign_all, fire
from tests.reminders.test_sending import TITLES, research_due_for, the_day_before
from tests.tracker.test_settings import PRODUCTION, manage


def transition_with_notices(world) -> list[Notice]:
    """A state change of a motion, which its lead and its three co-signers hear of (proposals.notice_rules)."""
    proposal = world.draft(kind="motion")
    assign_all(world, proposal, notify=False)
    fire(world, proposal, "start_research", "secretary")  # no on-commit callbacks run: nothing is queued
    return list(Notice.objects.filter(proposal=proposal).order_by("pk"))


# --- Notices ------------------------------------------------------------------------------------------------


def test_each_participant_gets_a_notice_row_that_goes_out_once_whatever_the_number_of_sends(world):
    notices = transition_with_notices(world)
    assert {n.recipient for n in notices} == {world.lead, *world.cosigners}
    assert {n.status for n in notices} == {Notice.Status.PENDING}
    for _ in range(3):
        notifications.send_due()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(n.recipient.email for n in notices)
    for notice in Notice.objects.filter(proposal=notices[0].proposal):
        message = next(m for m in mail.outbox if m.to == [notice.recipient.email])
        assert (notice.status, notice.attempts) == (Notice.Status.SENT, 1)
        assert notice.message_id == message.extra_headers["Message-ID"] == f"<notice-{notice.pk}@127.0.0.1>"


def test_the_sweep_sends_notices_that_were_never_queued(world):
    notices = transition_with_notices(world)
    tasks.sweep_outbox()  # eager: the batches it hands out run here
    assert len(mail.outbox) == len(notices)
    assert set(Notice.objects.values_list("status", flat=True)) == {Notice.Status.SENT}


def test_a_notice_of_a_dead_workers_claim_goes_out_after_the_lease(world):
    notices = transition_with_notices(world)
    now = timezone.now()
    notifications.claim(now)  # ... and the worker dies
    assert notifications.send_due(now).sent == []
    later = now + dt.timedelta(seconds=django_settings.REMINDER_CLAIM_LEASE_SECONDS + 1)
    assert len(notifications.send_due(later).sent) == len(notices)
    assert len(mail.outbox) == len(notices)


# --- Sweeps -----------------------------------------------------------------------------------------------


def test_one_sweep_at_a_time_and_a_dead_sweepers_lock_expires(world):
    research_due_for(world, TITLES[:1], days=1)  # a reminder is due today
    with outbox.sweep_lock("sweep", 60) as held:
        assert held
        tasks.sweep_outbox()  # finds the lock taken: plans and sends nothing
        assert not Reminder.objects.exists() and mail.outbox == []
        with outbox.sweep_lock("sweep", 60) as second:
            assert not second
    tasks.sweep_outbox()  # released: this one runs
    assert Reminder.objects.exists()
    # A holder that died leaves its lock; it is free again once its time is up.
    OutboxLock.objects.filter(name="sweep").update(held_until=timezone.now() + dt.timedelta(seconds=60))
    with outbox.sweep_lock("sweep", 60) as held:
        assert not held
    OutboxLock.objects.filter(name="sweep").update(held_until=timezone.now() - dt.timedelta(seconds=1))
    with outbox.sweep_lock("sweep", 60) as held:
        assert held


def test_a_sweep_hands_out_a_row_once_per_lease_and_never_a_claimed_one(world):
    _proposals, due = research_due_for(world, TITLES)
    now = the_day_before(due)
    _planned, batches = reminders.sweep(now)
    assert sum(len(batch) for batch in batches) == 3
    lease = dt.timedelta(seconds=django_settings.REMINDER_CLAIM_LEASE_SECONDS)
    for later in (now + dt.timedelta(seconds=300), now + lease - dt.timedelta(seconds=1)):
        assert reminders.sweep(later)[1] == [], "handed out again while the first task may still be queued"
    # A task lost with the broker: the rows are handed out again once the lease has passed.
    assert sum(len(batch) for batch in reminders.sweep(now + lease + dt.timedelta(seconds=1))[1]) == 3
    # Claimed rows are never handed out.
    reminders.claim(now + lease + dt.timedelta(seconds=2))
    assert reminders.sweep(now + lease + dt.timedelta(seconds=3))[1] == []


def test_a_queued_sweep_older_than_its_interval_is_dropped():
    entry = django_settings.CELERY_BEAT_SCHEDULE["outbox-sweep"]
    assert entry["task"] == "proposals.tasks.sweep_outbox"
    assert entry["options"]["expires"] == entry["schedule"] == django_settings.REMINDER_SWEEP_SECONDS


# --- Settings ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "complaint"),
    [
        ({"EMAIL_TIMEOUT": "60", "REMINDER_CLAIM_LEASE_SECONDS": "600"}, "REMINDER_CLAIM_LEASE_SECONDS"),
        ({"EMAIL_TIMEOUT": "5", "REMINDER_CLAIM_LEASE_SECONDS": "60"}, "REMINDER_CLAIM_LEASE_SECONDS"),
        ({"REMINDER_RETRY_FOR_HOURS": "6"}, "REMINDER_RETRY_FOR_HOURS"),
    ],
)
def test_a_lease_shorter_than_a_mail_can_take_or_a_short_retry_budget_is_refused_at_start_up(override, complaint):
    result = manage("check", **PRODUCTION, **override)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and complaint in result.stderr


def test_the_default_lease_and_timeout_agree():
    result = manage("check", **PRODUCTION, EMAIL_TIMEOUT="30", REMINDER_CLAIM_LEASE_SECONDS="600")
    assert result.returncode == 0, result.stderr


# --- Health -----------------------------------------------------------------------------------------------


def test_the_health_of_each_outbox_counts_pending_retrying_failed_and_the_oldest_wait(world):
    _proposals, due = research_due_for(world, TITLES)
    now = the_day_before(due)
    reminders.plan(now)
    rows = list(Reminder.objects.order_by("pk"))
    Reminder.objects.filter(pk=rows[0].pk).update(status=Reminder.Status.FAILED)
    Reminder.objects.filter(pk=rows[1].pk).update(failing_since=now)
    transition_with_notices(world)
    later = now + dt.timedelta(minutes=10)
    oldest = min(r.send_after for r in rows[1:])
    assert outbox.health(Reminder, later) == {
        "pending": 2, "retrying": 1, "sending": 0, "failed": 1,
        "oldest_pending_seconds": round((later - oldest).total_seconds()),
    }  # fmt: skip
    assert outbox.health(Notice)["pending"] == 4


def test_the_detailed_outbox_health_is_for_staff_only(client, world):
    transition_with_notices(world)
    url = reverse("healthz-outbox")
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]
    client.force_login(world.lead)
    assert client.get(url).status_code == 302
    client.force_login(world.admin)
    response = client.get(url)
    assert response.status_code == 200
    assert response.json()["notices"]["pending"] == 4
    assert set(response.json()["reminders"]) == {"pending", "retrying", "sending", "failed", "oldest_pending_seconds"}


@pytest.mark.parametrize("model", ["reminder", "notice"])
def test_the_admin_lists_of_both_outboxes_show_their_health(client, world, model):
    transition_with_notices(world)
    client.force_login(world.admin)
    page = client.get(reverse(f"admin:proposals_{model}_changelist")).content.decode()
    assert "outbox-health" in page
    assert ("待发送：4" if model == "notice" else "待发送：0") in page
