"""The loop back (#16 item 4): when a proposal a need fed is answered, the person who left an address and asked for
a reply gets one short mail in their language, through the outbox every mail goes through (recorded before it is
sent, claimed, sent once, retried), and none once their contact details are gone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from proposals import need_replies, outbox, services, tasks
from proposals.models import NeedReply
from proposals.workflow import State
from tests.proposals.arrange import bring_to, fire
from tests.proposals.test_needs import CONTACT, record
from tests.reminders.test_sending import FailingBackend

pytestmark = pytest.mark.django_db

ANSWER = "2027年起每个街道开设暑期托管班，由团区委和教育局共同组织。"


def answered(world, *needs, answer_class="A"):
    """A registered proposal carrying the needs, answered by the world's unit."""
    proposal = bring_to(world, State.REGISTERED)
    for need in needs:
        services.need_accept(actor=world.secretary, need_id=need.pk, theme="暑期托管")
        services.need_link(actor=world.secretary, need_id=need.pk, proposal_id=proposal.pk)
    fire(world, proposal, "assign_unit", "lead", inputs={"unit": world.unit.pk, "unit_role": "lead"})
    fire(world, proposal, "record_answer", "secretary", inputs={
        "unit": world.unit.pk, "answer": ANSWER, "answer_class": answer_class, "answer_method": "writing",
        "answered_on": timezone.localdate()})  # fmt: skip
    return proposal


def replies_to(address: str) -> list:
    return [message for message in mail.outbox if message.to == [address]]


def test_the_reply_says_what_was_asked_which_proposal_carried_it_and_what_the_unit_answered(world):
    need = record(world, **CONTACT)
    proposal = answered(world, need)
    reply = NeedReply.objects.get()
    assert reply.status == NeedReply.Status.PENDING  # recorded with the answer, before anything is sent
    result = need_replies.send_due()
    assert result.sent == [reply.pk] and result.mails == 1
    (message,) = replies_to("wang@example.org")
    assert message.subject  # its words are the catalog's (locale/new-h_napi.po until merged)
    for text in (need.summary, proposal.title, proposal.session.name, world.unit.name, ANSWER,
                 "A类：已经解决或基本解决", f"{timezone.localdate():%Y-%m-%d}", world.branch.name):  # fmt: skip
        assert text in message.body, text
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and proposal.title in html and 'lang="zh-hans"' in html
    reply.refresh_from_db()
    assert (reply.status, reply.attempts, reply.message_id) == (
        NeedReply.Status.SENT, 1, f"<need-reply-{reply.pk}@127.0.0.1>")  # fmt: skip
    assert message.extra_headers["Message-ID"] == reply.message_id


def test_the_reply_is_in_the_language_the_person_chose(world):
    need = record(world, **(CONTACT | {"language": "en"}))
    answered(world, need, answer_class="B")
    need_replies.send_due()
    (message,) = replies_to("wang@example.org")
    assert message.subject == "[Youth proposals] An answer to the need you raised"
    assert "B: being solved, or planned" in message.body and "Handling unit: " in message.body
    assert 'lang="en"' in message.alternatives[0][0]


def test_a_reply_goes_out_once_whatever_the_number_of_sends_and_sweeps(world):
    answered(world, record(world, **CONTACT))
    for _ in range(3):
        need_replies.send_due()
        tasks.sweep_outbox()
    assert len(replies_to("wang@example.org")) == 1
    assert NeedReply.objects.get().attempts == 1


def test_the_sweep_hands_replies_never_queued_to_their_send_task(world):
    answered(world, record(world, **CONTACT), record(world, **(CONTACT | {"contact_email": "li@example.org"})))
    tasks.sweep_outbox()  # eager: the batches it hands out run here
    assert len(replies_to("wang@example.org")) == len(replies_to("li@example.org")) == 1
    assert set(NeedReply.objects.values_list("status", flat=True)) == {NeedReply.Status.SENT}


def test_a_reply_whose_need_lost_its_contact_is_cancelled_not_sent(world):
    kept, removed = record(world, **CONTACT), record(world, **(CONTACT | {"contact_email": "li@example.org"}))
    answered(world, kept, removed)
    removed.contact_removed_at = timezone.now()
    removed.contact_name = removed.contact_email = ""
    removed.contact_consent = removed.wants_reply = False
    removed.save()
    result = need_replies.send_due()
    assert len(result.sent) == 1 and result.cancelled == [NeedReply.objects.get(need=removed).pk]
    assert replies_to("li@example.org") == [] and len(replies_to("wang@example.org")) == 1
    assert NeedReply.objects.get(need=removed).status == NeedReply.Status.CANCELLED


def test_a_failing_mail_server_is_retried_then_the_reply_goes_out_with_the_same_message_id(world, settings):
    FailingBackend.attempted = []
    settings.EMAIL_BACKEND = "tests.reminders.test_sending.FailingBackend"
    answered(world, record(world, **CONTACT))
    now = timezone.now()
    result = need_replies.send_due(now)
    reply = NeedReply.objects.get()
    assert result.retried == [reply.pk] and result.sent == []
    assert (reply.status, reply.attempts, reply.failing_since) == (NeedReply.Status.PENDING, 1, now)
    assert reply.send_after > now and reply.last_error.startswith("SMTPServerDisconnected")
    attempted = FailingBackend.attempted[0].extra_headers["Message-ID"]

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert need_replies.send_due(now).sent == []  # not before its backoff
    assert need_replies.send_due(now + dt.timedelta(hours=1)).sent == [reply.pk]
    (message,) = replies_to("wang@example.org")
    assert message.extra_headers["Message-ID"] == attempted


def test_a_reply_of_a_dead_workers_claim_goes_out_after_the_lease(world):
    answered(world, record(world, **CONTACT))
    now = timezone.now()
    need_replies.claim(now)  # ... and the worker dies
    assert need_replies.send_due(now).sent == []
    later = now + dt.timedelta(seconds=django_settings.REMINDER_CLAIM_LEASE_SECONDS + 1)
    assert len(need_replies.send_due(later).sent) == 1
    assert len(replies_to("wang@example.org")) == 1


def test_a_sweep_hands_a_reply_out_once_per_lease(world):
    answered(world, record(world, **CONTACT))
    now = timezone.now()
    assert need_replies.sweep(now) == [[NeedReply.objects.get().pk]]
    assert need_replies.sweep(now + dt.timedelta(seconds=1)) == []


def test_operators_see_the_replies_outbox_its_health_and_the_needs_contact_in_the_admin(client, world):
    need = record(world, **CONTACT)
    answered(world, need)
    assert outbox.health(NeedReply)["pending"] == 1
    client.force_login(world.admin)
    assert client.get(reverse("healthz-outbox")).json()["need_replies"]["pending"] == 1
    page = client.get(reverse("admin:proposals_needreply_changelist")).content.decode()
    assert "outbox-health" in page and "wang@example.org" in page
    page = client.get(reverse("admin:proposals_need_change", args=[need.pk])).content.decode()
    assert "wang@example.org" in page and "王女士" in page
    client.force_login(world.secretary)  # not staff: no admin
    assert client.get(reverse("admin:proposals_need_changelist")).status_code == 302
