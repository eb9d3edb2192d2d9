"""Sending the outbox: one mail per recipient in their language, exactly once, through mail server outages."""

from __future__ import annotations

import datetime as dt
import smtplib

import pytest
from django.conf import settings as django_settings
from django.core import mail, signing
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from proposals import outbox, reminders
from proposals.models import Reminder, Stage, User
from proposals.workflow import State
from tests.proposals.arrange import bring_to
from tests.reminders.conftest import day_at, in_days, set_due


class FailingBackend(BaseEmailBackend):
    """A mail server that hangs up on every message; it remembers what it was asked to send."""

    attempted: list = []

    def send_messages(self, email_messages):
        FailingBackend.attempted.extend(email_messages)
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class UnreachableBackend(BaseEmailBackend):
    """A mail server that cannot be reached at all."""

    def open(self):
        raise ConnectionRefusedError(111, "Connection refused")

    def send_messages(self, email_messages):  # pragma: no cover - never reached
        raise AssertionError("open() failed; nothing may be sent")


@pytest.fixture
def failing_server(settings):
    FailingBackend.attempted = []
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    return FailingBackend


def research_due_for(world, titles: list[str], days: int = 20) -> tuple[list, dt.datetime]:
    """Drafts of the world's branch, each with its research due on the same day."""
    due = in_days(days)
    proposals = [world.draft(title=title) for title in titles]
    for proposal in proposals:
        set_due(world, proposal, Stage.RESEARCH, due)
    return proposals, due


TITLES = ["关于促进青年就业创业的建议", "关于加强青少年心理健康服务的建议", "关于关爱农村留守儿童的建议"]


def the_day_before(due: dt.datetime, hour: int = 9) -> dt.datetime:
    return day_at(timezone.localdate(due) - dt.timedelta(days=1), hour)


# --- One mail per recipient -----------------------------------------------------------------------------


def test_a_recipient_with_three_items_gets_one_mail_naming_the_three_proposals(world):
    proposals, due = research_due_for(world, TITLES)
    now = the_day_before(due)
    reminders.plan(now)
    result = reminders.send_due(now)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["secretary@example.org"]
    assert message.subject == "【青年提案】3条提醒"
    html = message.alternatives[0][0]
    for proposal in proposals:
        assert proposal.title in message.body
        assert proposal.title in html
        assert f"{django_settings.SITE_URL}/p/{proposal.pk}/" in message.body
        assert f'href="{django_settings.SITE_URL}/p/{proposal.pk}/"' in html
    assert result.mails == 1
    assert sorted(result.sent) == sorted(Reminder.objects.values_list("pk", flat=True))
    sent = Reminder.objects.filter(status=Reminder.Status.SENT)
    assert sent.count() == 3
    assert set(sent.values_list("message_id", flat=True)) == {message.extra_headers["Message-ID"]}
    assert all(row.sent_at is not None for row in sent)


def test_a_reminder_is_sent_once_whatever_the_number_of_sweeps(world):
    _proposals, due = research_due_for(world, TITLES[:1])
    now = the_day_before(due)
    for minutes in (0, 5, 10):
        reminders.plan(now + dt.timedelta(minutes=minutes))
        reminders.send_due(now + dt.timedelta(minutes=minutes))
    assert len(mail.outbox) == 1


def test_a_claim_never_splits_a_recipients_items_when_the_batch_has_room_for_them(world, settings):
    settings.REMINDER_BATCH_SIZE = 3
    proposal = bring_to(world, State.CONSULTATION)
    due = in_days(30)
    set_due(world, proposal, Stage.CONSULTATION, due)
    other, _ = research_due_for(world, TITLES[:2], days=30)
    now = the_day_before(due)
    reminders.plan(now)  # secretary: 2 research items; lead and 3 co-signers: 1 each

    _token, first = reminders.claim(now)
    assert len(first) <= 3
    by_recipient = {r.recipient_id for r in first}
    for recipient in by_recipient:
        assert Reminder.objects.filter(recipient_id=recipient, status=Reminder.Status.PENDING).count() == 0
    Reminder.objects.filter(status=Reminder.Status.SENDING).update(
        status=Reminder.Status.PENDING, claim_token=None, claimed_at=None, attempts=0
    )
    reminders.send_due(now)
    assert len(mail.outbox) == 5
    secretary_mail = next(m for m in mail.outbox if m.to == ["secretary@example.org"])
    assert all(p.title in secretary_mail.body for p in other)


def test_a_digest_user_gets_at_most_one_mail_a_day_at_their_hour(world):
    world.secretary.reminder_mode, world.secretary.digest_hour = User.ReminderMode.DIGEST, 8
    world.secretary.save(update_fields=["reminder_mode", "digest_hour"])
    first = world.draft(title=TITLES[0])
    due = in_days(20)
    set_due(world, first, Stage.RESEARCH, due)
    day_before = timezone.localdate(due) - dt.timedelta(days=1)

    def sweep(hour: int, minute: int = 0, day: dt.date = day_before) -> None:
        now = day_at(day, hour, minute)
        reminders.plan(now)
        reminders.send_due(now)

    sweep(7)
    assert mail.outbox == []  # waits for 08:00
    sweep(8)
    assert len(mail.outbox) == 1
    # At 09:00 a second proposal gets its due date: its reminder waits for tomorrow's digest.
    second = world.draft(title=TITLES[1])
    set_due(world, second, Stage.RESEARCH, due)
    for hour, minute in [(9, 0), (12, 0), (23, 59)]:
        sweep(hour, minute)
    assert len(mail.outbox) == 1
    sweep(0, 5, day=timezone.localdate(due))
    assert len(mail.outbox) == 1
    sweep(8, 0, day=timezone.localdate(due))
    assert len(mail.outbox) == 2
    assert TITLES[0] in mail.outbox[1].body and TITLES[1] in mail.outbox[1].body
    assert Reminder.objects.filter(status=Reminder.Status.SENT).count() == 4  # first: 1, 0; second: 1, 0


# --- What the mail says, in the recipient's language ----------------------------------------------------


def consultation_mails(world):
    proposal = bring_to(world, State.CONSULTATION)  # revision 2: research findings were added
    world.lead.language = "en"
    world.lead.save(update_fields=["language"])
    due = in_days(30, hour=17)
    set_due(world, proposal, Stage.CONSULTATION, due)
    now = day_at(timezone.localdate(due) - dt.timedelta(days=3), 9)
    reminders.plan(now)
    reminders.send_due(now)
    by_address = {message.to[0]: message for message in mail.outbox}
    return proposal, due, by_address


def test_the_mail_is_in_english_for_a_user_who_chose_english(world):
    proposal, due, mails = consultation_mails(world)
    message = mails["lead@example.org"]
    html = message.alternatives[0][0]
    assert message.alternatives[0][1] == "text/html"
    assert message.subject == f"[Youth proposals] Reminder: Consultation of “{proposal.title}”"
    for text in (message.body, html):
        assert "Dear lead," in text
        assert "Stage: Consultation" in text
        assert f"Due: {timezone.localtime(due):%Y-%m-%d} 17:00" in text
        assert "in 3 days" in text
        assert "To do: Review revision 2 and endorse it, or request changes." in text
        assert f"{django_settings.SITE_URL}/p/{proposal.pk}/" in text
        assert "Choose immediate mails or one daily digest, and your language" in text
    assert '<html lang="en">' in html
    assert "提醒" not in message.body


def test_the_mail_is_in_chinese_by_default(world):
    proposal, due, mails = consultation_mails(world)
    message = mails["cosigner-0@example.org"]
    html = message.alternatives[0][0]
    assert message.subject == f"【青年提案】提醒：“{proposal.title}”（协商阶段）"
    for text in (message.body, html):
        assert "尊敬的cosigner-0：" in text
        assert "阶段：协商" in text
        assert f"截止时间：{timezone.localtime(due):%Y-%m-%d} 17:00" in text
        assert "还有3天" in text
        assert "请审阅提案并联名，或予以谢绝。" in text
        assert "选择即时发送或每日汇总发送，以及邮件语言" in text
    assert '<html lang="zh-hans">' in html
    assert len(mails) == 4


def test_the_mail_links_to_the_proposal_and_to_the_recipients_signed_preferences_page(world):
    proposal, _due, mails = consultation_mails(world)
    for user in [world.lead, *world.cosigners]:
        message = mails[user.email]
        preferences = message.extra_headers["List-Unsubscribe"].strip("<>")
        assert preferences.startswith(f"{django_settings.SITE_URL}/preferences/")
        assert preferences in message.body
        assert f'href="{preferences}"' in message.alternatives[0][0]
        token = preferences.rstrip("/").rsplit("/", 1)[-1]
        assert signing.loads(token, salt=reminders.PREFERENCES_SALT) == user.pk
        assert f"{django_settings.SITE_URL}/p/{proposal.pk}/" in message.body


def test_an_overdue_reminder_says_how_late_it_is(world):
    (proposal,), due = research_due_for(world, TITLES[:1])
    now = day_at(timezone.localdate(due) + dt.timedelta(days=2), 9)
    reminders.plan(now)
    reminders.send_due(now)
    message = mail.outbox[0]
    assert message.subject == f"【青年提案】提醒：“{proposal.title}”（调研阶段） （1项已逾期）"
    assert "已逾期2天" in message.body


def test_the_message_id_is_the_same_for_the_same_reminders(world):
    _proposals, due = research_due_for(world, TITLES)
    now = the_day_before(due)
    reminders.plan(now)
    rows = list(Reminder.objects.select_related("proposal__session", "recipient").order_by("pk"))
    first = reminders.build_mail(world.secretary, rows, now).extra_headers["Message-ID"]
    again = reminders.build_mail(world.secretary, list(reversed(rows)), now + dt.timedelta(hours=1))
    fewer = reminders.build_mail(world.secretary, rows[:2], now)
    assert again.extra_headers["Message-ID"] == first
    assert fewer.extra_headers["Message-ID"] != first
    assert first.startswith("<reminders-") and first.endswith("@127.0.0.1>")
    assert again.message()["Message-ID"] == first


# --- A failing mail server ------------------------------------------------------------------------------


def test_a_failing_mail_server_is_retried_with_capped_backoff_for_the_whole_budget_then_fails(
    world, settings, failing_server
):
    """Retries go on for REMINDER_RETRY_FOR_HOURS (a duration, not a count: 6 attempts used to end after
    15 to 31 minutes), each wait as long as the failures have lasted, between the base and the cap."""
    settings.REMINDER_RETRY_FOR_HOURS = 24
    settings.REMINDER_RETRY_BASE_SECONDS = 60
    settings.REMINDER_RETRY_MAX_SECONDS = 1800
    _proposals, due = research_due_for(world, TITLES[:2])
    start = now = the_day_before(due)
    reminders.plan(now)

    tries = 0
    while True:
        result = reminders.send_due(now)
        tries += 1
        if result.failed:
            break
        assert len(result.retried) == 2 and result.sent == [], f"try {tries}"
        failing_for = (now - start).total_seconds()
        assert failing_for < 24 * 3600, "still retried after the budget"
        ceiling = min(1800, max(60, failing_for))
        for row in Reminder.objects.all():
            assert (row.status, row.attempts, row.claim_token) == (Reminder.Status.PENDING, tries, None)
            assert row.failing_since == start
            assert row.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
            assert ceiling / 2 <= (row.send_after - now).total_seconds() <= ceiling
        # Not due again before the backoff has passed.
        assert reminders.send_due(now + dt.timedelta(seconds=ceiling / 2 - 1)).retried == []
        now = max(Reminder.objects.values_list("send_after", flat=True))

    assert dt.timedelta(hours=24) <= now - start < dt.timedelta(hours=24, seconds=1800)
    assert len(result.failed) == 2
    assert set(Reminder.objects.values_list("status", "attempts")) == {(Reminder.Status.FAILED, tries)}
    assert set(Reminder.objects.values_list("last_error", flat=True)) == {
        "SMTPServerDisconnected: Connection unexpectedly closed"
    }
    # One mail (two items) per try, sent again once on a new connection after the hang-up.
    assert len(failing_server.attempted) == 2 * tries
    assert mail.outbox == []
    # Failed rows stay failed until an operator sends them again.
    assert reminders.send_due(now + dt.timedelta(days=1)).failed == []


def test_the_backoff_grows_with_the_failures_age_with_jitter_and_is_capped(settings):
    settings.REMINDER_RETRY_BASE_SECONDS = 60
    settings.REMINDER_RETRY_MAX_SECONDS = 1800
    for failing_for, ceiling in [(0, 60), (30, 60), (120, 120), (900, 900), (1800, 1800), (86_000, 1800)]:
        delays = [outbox.retry_delay(failing_for) for _ in range(200)]
        assert all(ceiling / 2 <= delay <= ceiling for delay in delays), failing_for
        assert len(set(delays)) > 1  # jitter: workers that failed together do not come back together


def test_a_resent_mail_keeps_the_message_id_of_the_failed_attempt(world, settings, failing_server):
    _proposals, due = research_due_for(world, TITLES[:2])
    now = the_day_before(due)
    reminders.plan(now)
    reminders.send_due(now)
    attempted = failing_server.attempted[0].extra_headers["Message-ID"]

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    reminders.send_due(now + dt.timedelta(hours=1))
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["Message-ID"] == attempted
    assert set(Reminder.objects.values_list("status", "message_id")) == {(Reminder.Status.SENT, attempted)}


def test_an_unreachable_mail_server_puts_the_rows_back(world, settings):
    settings.EMAIL_BACKEND = f"{__name__}.UnreachableBackend"
    _proposals, due = research_due_for(world, TITLES[:1])
    now = the_day_before(due)
    reminders.plan(now)
    result = reminders.send_due(now)
    assert len(result.retried) == 1
    row = Reminder.objects.get()
    assert (row.status, row.attempts) == (Reminder.Status.PENDING, 0)  # never offered to a server: not counted
    assert row.last_error.startswith("ConnectionRefusedError")
    assert row.send_after > now


# --- Dead workers and operators -------------------------------------------------------------------------


def test_claims_of_a_dead_worker_go_back_to_pending_after_the_lease(world, settings):
    settings.REMINDER_CLAIM_LEASE_SECONDS = 600
    _proposals, due = research_due_for(world, TITLES[:2])
    now = the_day_before(due)
    reminders.plan(now)
    _token, claimed = reminders.claim(now)  # ... and the worker dies before sending
    assert len(claimed) == 2
    assert set(Reminder.objects.values_list("status", flat=True)) == {Reminder.Status.SENDING}
    # Another worker finds nothing to take while the lease runs.
    assert reminders.send_due(now + dt.timedelta(seconds=599)).sent == []
    assert outbox.recover_stale_claims(Reminder, now + dt.timedelta(seconds=599)) == 0

    assert outbox.recover_stale_claims(Reminder, now + dt.timedelta(seconds=601)) == 2
    assert set(Reminder.objects.values_list("status", "claim_token", "claimed_at")) == {
        (Reminder.Status.PENDING, None, None)
    }
    result = reminders.send_due(now + dt.timedelta(seconds=601))
    assert len(result.sent) == 2
    assert len(mail.outbox) == 1


def test_the_next_sweep_recovers_a_dead_workers_claims_itself(world):
    _proposals, due = research_due_for(world, TITLES[:1])
    now = the_day_before(due)
    reminders.plan(now)
    reminders.claim(now)
    later = now + dt.timedelta(seconds=django_settings.REMINDER_CLAIM_LEASE_SECONDS + 1)
    _planned, batches = reminders.sweep(later)
    assert batches == [list(Reminder.objects.values_list("pk", flat=True))]
    assert len(reminders.send_due(later, ids=batches[0]).sent) == 1


def test_retry_failed_sends_failed_reminders_again_with_fresh_attempts(world, settings, failing_server):
    _proposals, due = research_due_for(world, TITLES[:2])
    now = the_day_before(due)
    reminders.plan(now)
    reminders.send_due(now)
    failed = reminders.send_due(now + dt.timedelta(hours=django_settings.REMINDER_RETRY_FOR_HOURS)).failed
    assert len(failed) == 2
    sent_already = Reminder.objects.filter(pk=failed[0])
    sent_already.update(status=Reminder.Status.SENT)

    assert reminders.retry_failed([*failed, 999_999]) == 1
    row = Reminder.objects.get(pk=failed[1])
    assert (row.status, row.attempts, row.failing_since) == (Reminder.Status.PENDING, 0, None)
    assert sent_already.get().status == Reminder.Status.SENT  # only failed rows go back

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    result = reminders.send_due(max(now, timezone.now()) + dt.timedelta(seconds=1))
    assert result.sent == [failed[1]]
    assert len(mail.outbox) == 1


def test_the_subject_and_the_plain_text_show_a_title_as_written_not_html_escaped(world):
    (proposal,), due = research_due_for(world, ['关于"青年之家"与<社区>共建的建议 & 其他'])
    now = the_day_before(due)
    reminders.plan(now)
    reminders.send_due(now)
    message = mail.outbox[0]
    assert message.subject == f"【青年提案】提醒：“{proposal.title}”（调研阶段）"
    assert proposal.title in message.body
    assert "关于&quot;青年之家&quot;与&lt;社区&gt;共建的建议 &amp; 其他" in message.alternatives[0][0]
