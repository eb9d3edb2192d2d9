"""The operators' admin: every page renders, nothing edits state, actions go through the service."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from proposals.models import Proposal, Transition, User
from proposals.workflow import State
from tests.proposals.arrange import bring_to

MODELS = ["organisation", "user", "delegate", "session", "proposal", "assignment", "revision", "comment",
          "evidence", "transition", "deadline"]  # fmt: skip


@pytest.fixture
def operator(client, world):
    client.force_login(world.admin)
    return client


@pytest.mark.parametrize("model", MODELS)
def test_every_list_renders_with_its_filters_and_search(operator, world, model):
    bring_to(world, State.CONSULTATION)
    url = reverse(f"admin:proposals_{model}_changelist")
    assert operator.get(url).status_code == 200
    assert operator.get(url, {"q": "心理"}).status_code == 200


def test_the_proposal_page_shows_the_log_read_only_and_no_state_field(operator, world):
    proposal = bring_to(world, State.CONSULTATION)
    page = operator.get(reverse("admin:proposals_proposal_change", args=[proposal.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="state"' not in html
    assert "start_consultation" in html  # the transition log inline
    assert (
        operator.post(reverse("admin:proposals_proposal_change", args=[proposal.pk]), {"state": "closed"}).status_code
        == 403
    )
    assert Proposal.objects.get(pk=proposal.pk).state == State.CONSULTATION


def test_the_transition_log_cannot_be_changed_in_the_admin(operator, world):
    proposal = bring_to(world, State.RESEARCH)
    transition = Transition.objects.filter(proposal=proposal).first()
    url = reverse("admin:proposals_transition_change", args=[transition.pk])
    assert operator.post(url, {"note": "改写"}).status_code == 403
    assert (
        operator.post(reverse("admin:proposals_transition_delete", args=[transition.pk]), {"post": "yes"}).status_code
        == 403
    )


def test_the_workflow_page_lists_actions_with_reasons_and_fires_through_the_service(operator, world):
    proposal = bring_to(world, State.CONSULTATION)
    url = reverse("admin:proposals_proposal_workflow", args=[proposal.pk])
    page = operator.get(url).content.decode()
    assert "lead_not_endorsed" in page  # finalise is shown with the guard that holds it back

    response = operator.post(url, {"fire": "1", "t-action": "withdraw", "t-note": "选题与其他团组织重复。"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == State.WITHDRAWN
    assert proposal.transitions.last().actor == world.admin


def test_a_refused_action_is_shown_on_the_form_and_changes_nothing(operator, world):
    proposal = bring_to(world, State.READY)
    url = reverse("admin:proposals_proposal_workflow", args=[proposal.pk])
    response = operator.post(url, {"fire": "1", "t-action": "allow_late_submission", "t-note": ""})
    assert response.status_code == 200
    assert "note" in response.context["transition_form"].errors
    assert Proposal.objects.get(pk=proposal.pk).version == proposal.version


def test_the_workflow_page_assigns_a_delegate(operator, world):
    proposal = world.draft()
    url = reverse("admin:proposals_proposal_workflow", args=[proposal.pk])
    response = operator.post(url, {"assign": "1", "a-delegate": world.lead.delegate.pk, "a-role": "lead"})
    assert response.status_code == 302
    assert proposal.lead_assignment().delegate == world.lead.delegate


def test_the_workflow_form_offers_only_the_inputs_of_possible_actions_and_records_them(operator, world):
    proposal = bring_to(world, State.READY)
    url = reverse("admin:proposals_proposal_workflow", args=[proposal.pk])
    form = operator.get(url).context["transition_form"]
    assert "reference_number" in form.fields and "rating" not in form.fields

    response = operator.post(url, {"fire": "1", "t-action": "submit", "t-reference_number": "建议第118号"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.state, proposal.reference_number) == (State.SUBMITTED, "建议第118号")


def test_an_account_added_with_the_role_admin_is_an_operator(operator, world):
    response = operator.post(reverse("admin:proposals_user_add"), {
        "username": "ops2", "usable_password": "true", "password1": "a-long-operator-pw-2026",
        "password2": "a-long-operator-pw-2026", "role": "admin", "language": "zh-hans",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()
    assert User.objects.get(username="ops2").is_operator


def test_the_admin_refuses_superuser_status_without_the_role_admin(operator, world):
    user = world.coordinator
    url = reverse("admin:proposals_user_change", args=[user.pk])
    form = operator.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data |= {"organisation": user.organisation_id, "is_superuser": "on", "date_joined_0": "2026-01-01",
             "date_joined_1": "08:00", "last_login_0": "", "last_login_1": ""}  # fmt: skip
    response = operator.post(url, data)
    assert response.status_code == 200
    assert "role" in response.context["adminform"].form.errors
    user.refresh_from_db()
    assert not user.is_operator


def test_people_are_listed_by_name_and_log_rows_by_the_labels_of_their_actions_and_states(operator, world):
    world.secretary.last_name, world.secretary.first_name = "王", "丽"
    world.secretary.save()
    proposal = bring_to(world, State.CONSULTATION)

    users = operator.get(reverse("admin:proposals_user_changelist"), {"q": "secretary"}).content.decode()
    assert "王丽" in users

    log = operator.get(reverse("admin:proposals_transition_changelist"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = log.content.decode()
    assert "开始协商" in html and "协商" in html and "王丽" in html  # action, state and actor, in Chinese
    assert ">start_consultation<" not in html  # the code only on hover
    row = operator.get(reverse("admin:proposals_transition_changelist"), {"action": "start_consultation"})
    assert list(row.context["cl"].queryset.values_list("action", flat=True)) == ["start_consultation"]

    page = operator.get(reverse("admin:proposals_proposal_change", args=[proposal.pk])).content.decode()
    assert "开始协商" in page  # the transition log inline


def test_the_admin_speaks_english_too(operator, world):
    bring_to(world, State.RESEARCH)
    # The requests below leave English active in this thread; the override puts the default back afterwards.
    with translation.override(settings.LANGUAGE_CODE):
        operator.post(reverse("set-language"), {"language": "en", "next": "/admin/"})
        html = operator.get(reverse("admin:proposals_transition_changelist")).content.decode()
    assert "Start research" in html and "Draft" in html
