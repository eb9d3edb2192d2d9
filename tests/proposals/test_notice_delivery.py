"""How notices reach people: each kind by the inbox only, a mail at once or the daily digest, as each person chose;
and what each kind's mail says."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from proposals import notifications, outbox, services
from proposals.models import Notice, NoticeKind, NoticeMode
from proposals.workflow import State
from tests.proposals.arrange import bring_to, fire


def choose(user, **modes) -> None:
    services.user_update_preferences(user=user, notice_preferences=modes)
    user.refresh_from_db()


def test_by_default_every_kind_is_mailed_at_once(world):
    proposal = bring_to(world, State.CONSULTATION)
    fire(world, proposal, "request_changes", "lead", note="请补充全市样本数据")
    notice = Notice.objects.get(recipient=world.secretary, kind=NoticeKind.CHANGES_REQUESTED)
    assert (notice.status, notice.digest) == (Notice.Status.PENDING, False)
    notifications.send_due()
    (message,) = [m for m in mail.outbox if m.to == [world.secretary.email] and "请补充" in m.body]
    assert "要求修改" in message.body


def test_a_kind_chosen_for_the_inbox_only_is_recorded_and_never_mailed(world):
    choose(world.secretary, comment=NoticeMode.INBOX)
    proposal = world.draft()
    services.delegate_assign(proposal_id=proposal.pk, actor=world.coordinator, delegate=world.lead.delegate,
                             role="lead")  # fmt: skip
    fire(world, proposal, "comment", "lead", note="建议补充数据")
    comment = Notice.objects.get(recipient=world.secretary, kind=NoticeKind.COMMENT)
    assert comment.status == Notice.Status.INBOX and comment.read_at is None
    notifications.send_due(timezone.now() + dt.timedelta(days=2))
    assert [m.to for m in mail.outbox] == [[world.secretary.email], [world.lead.email]]  # the assignment only
    assert "建议补充数据" not in "".join(m.body for m in mail.outbox)
    assert outbox.health(Notice)["pending"] == 0, "an inbox-only notice is not waiting to be sent"
    assert notifications.sweep() == []


def test_digest_notices_wait_for_the_digest_hour_and_go_out_together_in_one_mail(world):
    world.secretary.digest_hour = 18
    world.secretary.save(update_fields=["digest_hour"])
    choose(world.secretary, comment=NoticeMode.DIGEST, assignment=NoticeMode.DIGEST)
    proposal = world.draft()
    morning = timezone.make_aware(dt.datetime.combine(timezone.localdate() + dt.timedelta(days=1), dt.time(9)))
    services.delegate_assign(proposal_id=proposal.pk, actor=world.coordinator, delegate=world.lead.delegate,
                             role="lead", now=morning)  # fmt: skip
    fire(world, proposal, "comment", "lead", note="第一条意见", now=morning + dt.timedelta(hours=1))
    waiting = Notice.objects.filter(recipient=world.secretary)
    evening = morning.replace(hour=18)
    assert {(n.digest, n.send_after) for n in waiting} == {(True, evening)}

    notifications.send_due(evening - dt.timedelta(minutes=1))
    assert [m.to for m in mail.outbox] == [[world.lead.email]]  # the lead's assignment went at once
    notifications.send_due(evening)
    digest = mail.outbox[-1]
    assert digest.to == [world.secretary.email] and len(mail.outbox) == 2
    assert "今日通知 2 条" in digest.subject
    assert "第一条意见" in digest.body and world.lead.display_name in digest.body
    assert digest.extra_headers["X-Tracker-Notices"] == ",".join(str(n.pk) for n in waiting.order_by("pk"))
    assert set(waiting.values_list("status", flat=True)) == {Notice.Status.SENT}


def test_a_new_digest_hour_moves_the_notices_waiting_for_the_digest(world):
    choose(world.secretary, comment=NoticeMode.DIGEST)
    proposal = world.draft()
    fire(world, proposal, "comment", "coordinator", note="请补充数据")
    services.user_update_preferences(user=world.secretary, digest_hour=23)
    notice = Notice.objects.get(recipient=world.secretary)
    assert timezone.localtime(notice.send_after).hour == 23


def test_preferences_name_known_kinds_and_modes_only_and_keep_the_others(world):
    choose(world.secretary, comment=NoticeMode.INBOX)
    choose(world.secretary, assignment=NoticeMode.DIGEST)
    assert world.secretary.notice_preferences == {"comment": "inbox", "assignment": "digest"}
    for wrong in ({"comment": "sometimes"}, {"gossip": "inbox"}, ["comment"]):
        with pytest.raises(ValidationError):
            services.user_update_preferences(user=world.secretary, notice_preferences=wrong)


def test_a_person_without_a_mail_address_has_notices_in_the_inbox(world):
    world.secretary.email = ""
    world.secretary.save(update_fields=["email"])
    fire(world, world.draft(), "comment", "coordinator", note="请补充数据")
    assert Notice.objects.get(recipient=world.secretary).status == Notice.Status.INBOX


def test_a_deadline_move_mail_gives_the_old_and_new_date_and_the_reason(world):
    proposal = world.draft()
    old = proposal.deadlines.get(stage="research").due_at
    new = timezone.localtime(old + dt.timedelta(days=5)).replace(hour=17, minute=0, second=0, microsecond=0)
    services.deadline_set(proposal_id=proposal.pk, actor=world.coordinator, stage="research", due_at=new,
                          reason="调研对象放假")  # fmt: skip
    notifications.send_due()
    (message,) = mail.outbox
    assert message.to == [world.secretary.email]
    assert f"{timezone.localtime(old):%Y-%m-%d %H:%M}" in message.body and f"{new:%Y-%m-%d %H:%M}" in message.body
    assert "调研对象放假" in message.body and "截止时间" in message.subject


def test_a_change_request_mail_is_the_delegates_request_with_their_comment(world):
    world.secretary.language = "en"
    world.secretary.save(update_fields=["language"])
    proposal = bring_to(world, State.CONSULTATION)
    mail.outbox.clear()
    Notice.objects.update(status=Notice.Status.SENT)
    fire(world, proposal, "request_changes", world.cosigners[0], note="请补充全市样本数据")
    notifications.send_due()
    message = next(m for m in mail.outbox if m.to == [world.secretary.email])
    assert f"{world.cosigners[0].display_name} asks for changes to “{proposal.title}”:" in message.body
    assert "请补充全市样本数据" in message.body and "back in research" in message.body
    assert "Request changes" in message.subject


def test_a_cosignature_asked_mail_says_what_to_do(world):
    proposal = bring_to(world, State.RESEARCH)
    mail.outbox.clear()
    Notice.objects.update(status=Notice.Status.SENT)
    fire(world, proposal, "start_consultation", "secretary")
    notifications.send_due()
    message = next(m for m in mail.outbox if m.to == [world.cosigners[0].email])
    assert "请您联名" in message.body and "联名" in message.subject
