"""The inbox page, the unread count in the header, the notice preferences, and unassigning a delegate."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from proposals import services
from proposals.models import Assignment, Notice
from proposals.workflow import ASSIGN_ACTION, UNASSIGN_ACTION
from tests.proposals.arrange import assign_all, fire


def unread_count(page: str) -> int | None:
    found = re.search(r'id="unread-count"[^>]*>(\d+)<', page)
    return int(found.group(1)) if found else None


def test_the_inbox_lists_my_notices_newest_first_and_opening_one_marks_it_read(client, world):
    older = world.draft(title="关于青年就业的建议")
    newer = world.draft(title="关于青少年心理健康的建议")
    fire(world, older, "comment", "coordinator", note="第一条意见")
    fire(world, newer, "comment", "coordinator", note="第二条意见")
    client.force_login(world.secretary)

    page = client.get(reverse("inbox")).content.decode()
    assert page.index("第二条意见") < page.index("第一条意见")
    assert page.count("inbox-item--unread") == 2 and unread_count(page) == 2

    notice = Notice.objects.get(proposal=older)
    response = client.get(reverse("notice-open", args=[notice.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("proposal-open", args=[older.pk])
    notice.refresh_from_db()
    assert notice.read_at is not None
    page = client.get(reverse("inbox")).content.decode()
    assert page.count("inbox-item--unread") == 1 and unread_count(page) == 1
    assert "第二条意见" in client.get(reverse("inbox"), {"unread": "1"}).content.decode()
    assert "第一条意见" not in client.get(reverse("inbox"), {"unread": "1"}).content.decode()

    client.post(reverse("inbox-read-all"))
    page = client.get(reverse("home")).content.decode()
    assert unread_count(page) is None and 'id="inbox-link"' in page


def test_nobody_opens_or_marks_another_persons_notice(client, world):
    fire(world, world.draft(), "comment", "coordinator", note="第一条意见")
    notice = Notice.objects.get()
    client.force_login(world.other_secretary)
    assert client.get(reverse("notice-open", args=[notice.pk])).status_code == 404
    assert client.post(reverse("notice-read", args=[notice.pk])).status_code == 404
    assert "第一条意见" not in client.get(reverse("inbox")).content.decode()
    notice.refresh_from_db()
    assert notice.read_at is None


def test_the_inbox_pages_its_notices(client, world):
    proposal = world.draft()
    for n in range(32):
        fire(world, proposal, "comment", "coordinator", note=f"意见{n:02d}")
    client.force_login(world.secretary)
    first = client.get(reverse("inbox")).content.decode()
    second = client.get(reverse("inbox"), {"page": 2}).content.decode()
    assert "意见31" in first and "意见00" not in first and "意见00" in second and 'rel="next"' in first


def test_the_header_count_costs_the_same_with_or_without_notices(client, world):
    fire(world, world.draft(), "comment", "coordinator", note="第一条意见")
    client.force_login(world.secretary)
    client.get(reverse("preferences"))
    with_notice = _queries(client)
    Notice.objects.all().delete()
    assert _queries(client) == with_notice


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("preferences"))
    return len(queries)


def test_notice_preferences_are_chosen_on_the_preferences_page(client, world):
    client.force_login(world.secretary)
    page = client.get(reverse("preferences")).content.decode()
    assert 'name="notice_comment"' in page and "仅站内信" in page
    data = {"reminder_mode": "immediate", "digest_hour": 8, "language": "zh-hans", "notice_comment": "inbox",
            "notice_cosign_asked": "digest"}  # fmt: skip
    assert client.post(reverse("preferences"), data).status_code == 200
    world.secretary.refresh_from_db()
    assert world.secretary.notice_preferences == {"comment": "inbox", "cosign_asked": "digest"}


def test_a_coordinator_unassigns_a_delegate_and_the_timeline_shows_both(client, world):
    proposal = world.draft()
    assign_all(world, proposal)
    assignment = Assignment.objects.get(proposal=proposal, delegate__user=world.cosigners[0])
    client.force_login(world.coordinator)
    page = client.get(reverse("proposal-open", args=[proposal.pk]), follow=True).content.decode()
    unassign = reverse("proposal-unassign", args=[proposal.pk, assignment.pk])
    assert unassign in page

    response = client.post(unassign, follow=True)
    page = response.content.decode()
    assert "已撤销该代表" in page
    assert not Assignment.objects.filter(pk=assignment.pk).exists()
    timeline = page[page.index('id="timeline"') :]
    assert timeline.count("指定代表") == 4 and timeline.count("撤销代表") == 1
    assert world.cosigners[0].display_name in timeline
    assert proposal.transitions.filter(action=UNASSIGN_ACTION).count() == 1
    assert proposal.transitions.filter(action=ASSIGN_ACTION).count() == 4


def test_a_secretary_is_offered_no_unassign_button_and_cannot_unassign(client, world):
    proposal = world.draft()
    assign_all(world, proposal)
    assignment = Assignment.objects.get(proposal=proposal, delegate__user=world.lead)
    client.force_login(world.secretary)
    unassign = reverse("proposal-unassign", args=[proposal.pk, assignment.pk])
    assert unassign not in client.get(reverse("proposal-open", args=[proposal.pk]), follow=True).content.decode()
    client.post(unassign)
    assert Assignment.objects.filter(pk=assignment.pk).exists()
    services.delegate_unassign(proposal_id=proposal.pk, actor=world.coordinator, assignment_id=assignment.pk)
    assert not Assignment.objects.filter(pk=assignment.pk).exists()
