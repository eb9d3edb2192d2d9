"""The proposal pages of secretaries and coordinators: list, draft, edit, the proposal page and its forms."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from proposals import services
from proposals.models import Assignment, Deadline, Evidence, Proposal
from proposals.workflow import State
from tests.proposals.arrange import add_evidence, bring_to

SHANGHAI = ZoneInfo("Asia/Shanghai")


def page_of(response) -> str:
    return response.content.decode()


# --- List ---------------------------------------------------------------------------------------------


def test_the_list_shows_only_the_users_proposals_and_filters_and_searches_them(client, world):
    jobs = world.draft(title="关于促进青年就业的建议", topic=Proposal.Topic.JOBS, background="返乡青年创业难。")
    health = world.draft()
    foreign = world.draft(author=world.other_secretary, organisation=world.other_branch, title="应县的提案")
    client.force_login(world.secretary)

    page = page_of(client.get(reverse("proposal-list")))
    assert jobs.title in page and health.title in page and foreign.title not in page

    page = page_of(client.get(reverse("proposal-list"), {"topic": "jobs"}))
    assert jobs.title in page and health.title not in page

    page = page_of(client.get(reverse("proposal-list"), {"q": "创业"}))  # a word of the background only
    assert jobs.title in page and health.title not in page

    page = page_of(client.get(reverse("proposal-list"), {"state": State.RESEARCH}))
    assert jobs.title not in page and health.title not in page


def test_the_organisation_filter_offers_only_the_users_scope_and_outside_it_shows_nothing(client, world):
    own = world.draft()
    world.draft(author=world.other_secretary, organisation=world.other_branch, title="应县的提案")
    client.force_login(world.secretary)
    response = client.get(reverse("proposal-list"))
    assert list(response.context["form"].fields["organisation"].queryset) == [world.branch]

    response = client.get(reverse("proposal-list"), {"organisation": world.other_branch.pk})
    assert response.context["page"].paginator.count == 0
    assert own.title not in page_of(response) and "应县的提案" not in page_of(response)

    client.force_login(world.coordinator)  # the county sees its branch, not the other county's
    choices = set(client.get(reverse("proposal-list")).context["form"].fields["organisation"].queryset)
    assert choices == {world.county, world.branch}


def test_the_list_is_paginated_and_keeps_its_filters_in_the_page_links(client, world):
    for n in range(27):
        world.draft(title=f"建议{n:02d}")
    client.force_login(world.secretary)
    response = client.get(reverse("proposal-list"), {"topic": "mental_health"})
    assert len(response.context["page"].object_list) == 25
    assert "topic=mental_health&amp;page=2" in page_of(response)
    assert len(client.get(reverse("proposal-list"), {"topic": "mental_health", "page": 2}).context["page"]) == 2


def test_the_list_needs_the_same_queries_for_5_and_60_proposals(client, world, django_assert_max_num_queries):
    client.force_login(world.coordinator)
    for count in (5, 60):
        while Proposal.objects.count() < count:
            world.draft(title=f"建议{Proposal.objects.count()}")
        with django_assert_max_num_queries(10):
            assert client.get(reverse("proposal-list")).status_code == 200


# --- Create and edit ----------------------------------------------------------------------------------


def draft_data(world, **changes) -> dict:
    return {
        "title": "关于建设青年驿站的建议",
        "kind": Proposal.Kind.SUGGESTION,
        "topic": Proposal.Topic.YOUTH_FRIENDLY_CITY,
        "session": world.npc_session.pk,
        "organisation": world.branch.pk,
        "background": "外来求职青年住宿难。",
        "research_findings": "",
        "recommendations": "在高铁站附近设立青年驿站。",
    } | changes


def test_the_create_form_has_the_fields_and_preselects_the_secretarys_organisation(client, world):
    client.force_login(world.secretary)
    response = client.get(reverse("proposal-create"))
    page = page_of(response)
    for field in ("title", "kind", "topic", "session", "organisation", "background", "research_findings",
                  "recommendations"):  # fmt: skip
        assert f'id="id_{field}"' in page and f'for="id_{field}"' in page
    assert '<button type="submit" name="save">' in page
    assert response.context["form"]["organisation"].value() == world.branch.pk


def test_a_secretary_drafts_a_proposal_and_lands_on_its_page(client, world):
    client.force_login(world.secretary)
    response = client.post(reverse("proposal-create"), draft_data(world))
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and response.url == reverse("proposal-open", args=[proposal.pk])
    assert proposal.organisation == world.branch and proposal.author == world.secretary


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": Proposal.Kind.CPPCC_PROPOSAL}, "kind"),
        ({"title": "长" * (settings.PROPOSAL_TITLE_MAX_CHARS + 1)}, "title"),
    ],
)
def test_a_refused_draft_shows_the_error_by_its_field_and_keeps_the_input(client, world, changes, field):
    client.force_login(world.secretary)
    response = client.post(reverse("proposal-create"), draft_data(world, **changes))
    assert response.status_code == 400
    assert not Proposal.objects.exists()
    assert response.context["form"].errors[field]
    page = page_of(response)
    assert f'id="id_{field}-errors"' in page
    assert "外来求职青年住宿难。" in page and "在高铁站附近设立青年驿站。" in page


def test_two_tabs_changing_different_fields_both_edits_are_kept(client, world):
    proposal = world.draft()
    client.force_login(world.secretary)
    url = reverse("proposal-edit", args=[proposal.pk])
    first_tab = client.get(url).context["form"].initial
    second_tab = client.get(url).context["form"].initial

    assert client.post(url, {**first_tab, "title": "关于加强农村青少年心理健康服务的建议"}).status_code == 302
    # The second tab still shows the old title; it changes only the background.
    assert client.post(url, {**second_tab, "background": "第二个标签页写的背景。"}).status_code == 302

    proposal.refresh_from_db()
    assert proposal.title == "关于加强农村青少年心理健康服务的建议"  # not put back by the stale tab
    assert proposal.background == "第二个标签页写的背景。"
    assert proposal.revision_number == 3


def _conflict(client, world, proposal, *, first_author=None):
    """Two editors change the background differently; the later save answers the conflict page."""
    url = reverse("proposal-edit", args=[proposal.pk])
    client.force_login(world.secretary)
    stale = client.get(url).context["form"].initial
    services.proposal_update_text(
        proposal_id=proposal.pk, actor=first_author or world.secretary, background="协调员改写的背景。",
        recommendations="协调员补充的建议。",
    )  # fmt: skip
    response = client.post(url, {**stale, "background": "书记改写的背景。", "title": "书记改的标题"})
    return url, response


def test_a_field_both_changed_is_shown_side_by_side_with_nothing_saved(client, world):
    proposal = world.draft()
    _url, response = _conflict(client, world, proposal, first_author=world.coordinator)
    assert response.status_code == 409
    page = page_of(response)
    assert 'class="conflict"' in page and 'role="alert"' in page
    assert 'id="conflict-background"' in page and 'id="conflict-title"' not in page
    assert "协调员改写的背景。" in page and "书记改写的背景。" in page
    assert world.coordinator.display_name in page  # who saved in between, by name
    form = response.context["form"]
    # Fields only one side changed are merged into what the next save sends.
    assert form["recommendations"].value() == "协调员补充的建议。"
    assert form["title"].value() == "书记改的标题"
    assert form["background"].value() == "书记改写的背景。"
    assert 'id="discard-mine"' in page
    proposal.refresh_from_db()
    assert proposal.background == "协调员改写的背景。" and proposal.title != "书记改的标题"


@pytest.mark.parametrize(("choice", "expected"), [("mine", "书记改写的背景。"), ("theirs", "协调员改写的背景。")])
def test_the_editor_chooses_per_field_and_the_merged_rest_is_saved(client, world, choice, expected):
    proposal = world.draft()
    url, response = _conflict(client, world, proposal, first_author=world.coordinator)
    again = response.context["form"].data.dict() | {"resolve_background": choice}
    assert client.post(url, again).status_code == 302
    proposal.refresh_from_db()
    assert proposal.background == expected
    assert proposal.title == "书记改的标题" and proposal.recommendations == "协调员补充的建议。"


def test_a_conflict_with_ones_own_other_tab_says_so(client, world):
    proposal = world.draft()
    _url, response = _conflict(client, world, proposal)
    assert response.status_code == 409
    assert "另一个标签页或窗口" in page_of(response)


def test_a_base_revision_that_does_not_exist_is_refused_on_its_field(client, world):
    proposal = world.draft()
    client.force_login(world.secretary)
    url = reverse("proposal-edit", args=[proposal.pk])
    data = client.get(url).context["form"].initial | {"base_revision": 7, "title": "新标题"}
    assert client.post(url, data).status_code == 400
    assert Proposal.objects.get(pk=proposal.pk).title != "新标题"


def test_a_frozen_text_says_so(client, world):
    proposal = bring_to(world, State.READY)
    client.force_login(world.secretary)
    url = reverse("proposal-edit", args=[proposal.pk])
    data = client.get(url).context["form"].initial | {"title": "改一改"}
    response = client.post(url, data)
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert Proposal.objects.get(pk=proposal.pk).title != "改一改"


# --- The proposal page --------------------------------------------------------------------------------


def test_the_page_shows_buttons_for_allowed_actions_and_reasons_for_refused_ones(client, world):
    proposal = bring_to(world, State.CONSULTATION)
    client.force_login(world.secretary)
    response = client.get(reverse("proposal-open", args=[proposal.pk]))
    page = page_of(response)
    assert '<button type="submit" name="action" value="withdraw">' in page
    assert 'id="id_note-withdraw"' in page
    assert '<button type="submit" name="action" value="comment">' in page
    refused = {option.action.name: option.refused for option in response.context["refused"]}
    assert refused["finalise"].code == "lead_not_endorsed"
    assert '<li class="refused" data-action="finalise">' in page
    assert refused["finalise"].message in page
    assert '<button type="submit" name="action" value="finalise">' not in page


def test_an_action_is_fired_through_the_act_url(client, world):
    proposal = world.draft()
    client.force_login(world.secretary)
    url = reverse("proposal-act", args=[proposal.pk])
    response = client.post(url, {"action": "start_research", "expected_version": proposal.version})
    assert response.status_code == 302
    assert Proposal.objects.get(pk=proposal.pk).state == State.RESEARCH


def test_a_refused_action_shows_why_and_keeps_the_input(client, world):
    proposal = world.draft()
    client.force_login(world.secretary)
    url = reverse("proposal-act", args=[proposal.pk])
    stale = proposal.version
    services.proposal_update_text(proposal_id=proposal.pk, actor=world.secretary, background="别人刚改过。")
    response = client.post(url, {"action": "withdraw", "expected_version": stale, "note": "合并到另一件建议。"})
    assert response.status_code == 400
    page = page_of(response)
    assert 'role="alert"' in page and "合并到另一件建议。" in page
    assert Proposal.objects.get(pk=proposal.pk).state == State.DRAFT

    response = client.post(url, {"action": "withdraw", "expected_version": stale + 1, "note": ""})
    assert response.status_code == 400 and response.context["alerts"]


def test_a_comment_lands_in_the_thread(client, world):
    proposal = bring_to(world, State.CONSULTATION)
    client.force_login(world.secretary)
    response = client.post(
        reverse("proposal-act", args=[proposal.pk]),
        {"action": "comment", "expected_version": proposal.version, "note": "请代表审阅第二部分。"},
    )
    assert response.status_code == 302
    assert "请代表审阅第二部分。" in page_of(client.get(reverse("proposal-open", args=[proposal.pk])))


def test_evidence_is_uploaded_and_downloaded_within_the_proposals_scope(client, world):
    proposal = world.draft()
    client.force_login(world.secretary)
    upload = SimpleUploadedFile("访谈记录.txt", "青年甲：希望有夜校。".encode())
    response = client.post(
        reverse("proposal-evidence-add", args=[proposal.pk]), {"file": upload, "description": "访谈"}
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    page = page_of(client.get(reverse("proposal-open", args=[proposal.pk])))
    assert reverse("evidence-download", args=[evidence.pk]) in page and "访谈记录.txt" in page

    response = client.get(reverse("evidence-download", args=[evidence.pk]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == "青年甲：希望有夜校。".encode()

    client.force_login(world.other_secretary)
    assert client.get(reverse("evidence-download", args=[evidence.pk])).status_code == 404


def test_a_refused_upload_says_why(client, world):
    proposal = world.draft()
    client.force_login(world.secretary)
    upload = SimpleUploadedFile("工具.exe", b"MZ\x90\x00")
    response = client.post(reverse("proposal-evidence-add", args=[proposal.pk]), {"file": upload})
    assert response.status_code == 400
    assert response.context["evidence_form"].errors["file"]
    assert ".exe" in page_of(response)
    assert not Evidence.objects.exists()


def test_two_revisions_are_compared_side_by_side(client, world):
    proposal = world.draft()
    services.proposal_update_text(proposal_id=proposal.pk, actor=world.secretary,
                                  background="全市中小学心理健康教师严重不足。")  # fmt: skip
    services.proposal_update_text(proposal_id=proposal.pk, actor=world.secretary, title="关于心理健康的建议")
    client.force_login(world.secretary)
    detail = page_of(client.get(reverse("proposal-open", args=[proposal.pk])))
    assert reverse("proposal-compare", args=[proposal.pk]) + "?a=2&amp;b=3" in detail
    assert 'id="id_a"' in detail and 'id="id_b"' in detail
    response = client.get(reverse("proposal-compare", args=[proposal.pk]), {"a": 1, "b": 3})
    assert response.status_code == 200
    page = page_of(response)
    assert "<ins>严重</ins>" in page
    assert 'class="diff"' in page
    assert client.get(reverse("proposal-compare", args=[proposal.pk]), {"a": 1, "b": 9}).status_code == 200


def test_a_coordinator_moves_a_deadline_in_beijing_time(client, world):
    proposal = world.draft()
    client.force_login(world.coordinator)
    due = (dt.datetime.now(SHANGHAI) + dt.timedelta(days=10)).replace(hour=17, minute=30, second=0, microsecond=0)
    response = client.post(
        reverse("proposal-deadline", args=[proposal.pk]),
        {"deadline-stage": "research", "deadline-due_at": due.strftime("%Y-%m-%dT%H:%M"),
         "deadline-reason": "调研点增加"},
    )  # fmt: skip
    assert response.status_code == 302
    deadline = Deadline.objects.get(proposal=proposal, stage="research")
    assert deadline.due_at == due and deadline.reason == "调研点增加"


def test_the_deadline_form_starts_from_the_current_stage_and_its_due_date(client, world):
    proposal = world.draft()
    research = Deadline.objects.get(proposal=proposal, stage="research")
    client.force_login(world.coordinator)
    page = page_of(client.get(reverse("proposal-open", args=[proposal.pk])))
    shown = research.due_at.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")
    assert f'name="deadline-due_at" value="{shown}"' in page
    assert '<option value="research" selected>' in page


def test_a_coordinator_assigns_a_delegate(client, world):
    proposal = world.draft()
    client.force_login(world.coordinator)
    page = page_of(client.get(reverse("proposal-open", args=[proposal.pk])))
    assert 'id="id_assign-delegate"' in page
    response = client.post(
        reverse("proposal-assign", args=[proposal.pk]),
        {"assign-delegate": world.lead.delegate.pk, "assign-role": "lead"},
    )
    assert response.status_code == 302
    assert Assignment.objects.get(proposal=proposal).delegate == world.lead.delegate

    client.force_login(world.secretary)  # secretaries do not assign
    assert 'id="id_assign-delegate"' not in page_of(client.get(reverse("proposal-open", args=[proposal.pk])))


def test_every_page_of_a_proposal_is_404_for_another_organisations_secretary(client, world):
    proposal = world.draft()
    add_evidence(world, proposal)
    evidence = Evidence.objects.get()
    client.force_login(world.other_secretary)
    for name in ("proposal-open", "proposal-edit", "proposal-compare"):
        assert client.get(reverse(name, args=[proposal.pk])).status_code == 404, name
    for name in ("proposal-edit", "proposal-act", "proposal-deadline", "proposal-assign", "proposal-evidence-add"):
        assert client.post(reverse(name, args=[proposal.pk]), {"action": "comment"}).status_code == 404, name
    assert client.get(reverse("evidence-download", args=[evidence.pk])).status_code == 404


def test_the_proposal_page_needs_the_same_queries_whatever_its_history(client, world, django_assert_max_num_queries):
    empty = world.draft()
    long = bring_to(world, State.CLOSED)
    busy = bring_to(world, State.CONSULTATION)
    for n in range(5):
        services.proposal_update_text(proposal_id=busy.pk, actor=world.secretary, background=f"第{n}稿")
        services.transition_apply(proposal_id=busy.pk, actor=world.secretary, action="comment", note=f"意见{n}")
    for user in (world.coordinator, world.secretary):
        client.force_login(user)
        for proposal in (empty, long, busy):
            # The handling section reads the units, their answers, ratings, raters and letters: 5 more; the
            # young people's needs it carries, 1 more; the meetings that discussed it, 1 more.
            with django_assert_max_num_queries(22):
                assert client.get(reverse("proposal-open", args=[proposal.pk])).status_code == 200
            # Each with a coordinator's organisation, whose path bounds their scope (#18).
            with django_assert_max_num_queries(9):
                assert client.get(reverse("proposal-compare", args=[proposal.pk])).status_code == 200
            with django_assert_max_num_queries(9):
                assert client.get(reverse("proposal-edit", args=[proposal.pk])).status_code == 200
