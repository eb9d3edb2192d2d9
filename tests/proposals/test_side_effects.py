"""Side effects leave only after the transaction commits, and speak each recipient's language."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.db import transaction

import proposals
from proposals import notifications, services, task_queue
from proposals.models import Notice, Proposal, StateChangeForbidden, Transition
from proposals.workflow import State
from tests.proposals.arrange import assign_all, bring_to, fire


def test_a_state_change_is_mailed_to_the_participants_in_their_language(world, django_capture_on_commit_callbacks):
    world.lead.language = "en"
    world.lead.save(update_fields=["language"])
    proposal = world.draft(kind="motion")  # a motion's co-signers hear every state change (notice_rules)
    assign_all(world, proposal)
    with django_capture_on_commit_callbacks(execute=True):
        fire(world, proposal, "start_research", "secretary")

    recipients = {message.to[0]: message for message in mail.outbox}
    assert world.secretary.email not in recipients, "the one who acted is not told about it"
    assert set(recipients) == {world.lead.email, *(c.email for c in world.cosigners)}
    english = recipients[world.lead.email]
    assert proposal.title in english.subject and "Research" in english.body
    chinese = recipients[world.cosigners[0].email]
    assert "调研" in chinese.subject
    html, mimetype = english.alternatives[0]
    assert mimetype == "text/html" and proposal.title in html


def test_an_endorsement_sends_no_mail(world, django_capture_on_commit_callbacks):
    proposal = bring_to(world, State.CONSULTATION)
    with django_capture_on_commit_callbacks(execute=True):
        fire(world, proposal, "endorse", "lead")
    assert mail.outbox == []


def test_nothing_is_queued_when_the_transaction_rolls_back(world, django_capture_on_commit_callbacks):
    proposal = world.draft()
    assign_all(world, proposal, notify=False)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        fire(world, proposal, "start_research", "secretary")
        raise RuntimeError("the caller's transaction fails after the transition")
    assert callbacks == []
    assert mail.outbox == []
    assert Proposal.objects.get(pk=proposal.pk).state == State.DRAFT
    assert not Transition.objects.filter(proposal=proposal, action="start_research").exists()
    assert not Notice.objects.filter(proposal=proposal).exists()  # recorded in the transition's transaction


def test_state_cannot_be_changed_by_saving_the_model(world):
    proposal = world.draft()
    proposal.state = State.CLOSED
    with pytest.raises(StateChangeForbidden):
        proposal.save()
    assert Proposal.objects.get(pk=proposal.pk).state == State.DRAFT


def test_a_new_proposal_cannot_skip_the_draft_state(world):
    proposal = Proposal(title="跳过草拟", kind="suggestion", topic="jobs", organisation=world.branch,
                        author=world.secretary, session=world.npc_session, state=State.READY)  # fmt: skip
    with pytest.raises(StateChangeForbidden):
        proposal.save()


def test_the_transition_log_cannot_be_edited_or_deleted(world):
    proposal = world.draft()
    transition = fire(world, proposal, "start_research", "secretary")
    transition.note = "改写历史"
    with pytest.raises(StateChangeForbidden):
        transition.save()
    with pytest.raises(StateChangeForbidden):
        transition.delete()


@pytest.mark.usefixtures("requires_postgresql")
def test_the_database_itself_refuses_to_rewrite_the_log(world):
    from django.db import DatabaseError

    proposal = world.draft()
    fire(world, proposal, "start_research", "secretary")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Transition.objects.filter(proposal=proposal).update(note="改写历史")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Transition.objects.filter(proposal=proposal).delete()


def test_editing_the_text_keeps_every_revision(world):
    proposal = world.draft()
    services.proposal_update_text(proposal_id=proposal.pk, actor=world.secretary, title="关于支持青年电商创业的建议")
    services.proposal_update_text(proposal_id=proposal.pk, actor=world.coordinator, background="陶瓷e镇青年集中。")
    proposal.refresh_from_db()
    revisions = list(proposal.revisions.order_by("number"))
    assert [r.number for r in revisions] == [1, 2, 3] and proposal.revision_number == 3
    assert revisions[0].title == "关于加强青少年心理健康服务的建议"
    assert revisions[1].title == revisions[2].title == proposal.title == "关于支持青年电商创业的建议"
    assert revisions[2].background == "陶瓷e镇青年集中。" and revisions[2].author == world.coordinator


def test_saving_unchanged_text_makes_no_revision(world):
    proposal = world.draft()
    services.proposal_update_text(proposal_id=proposal.pk, actor=world.secretary, title=proposal.title)
    assert proposal.revisions.count() == 1


def test_a_broker_that_is_down_does_not_fail_the_users_request(
    world, monkeypatch, django_capture_on_commit_callbacks, caplog, eager_off
):
    """The change commits with its notices recorded; queueing them fails (logged), the request goes on."""
    from tracker.celery import app

    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    # Celery keeps its broker connections in pools made from the URL of the moment: start afresh.
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    proposal = world.draft(kind="motion")
    assign_all(world, proposal, notify=False)
    with django_capture_on_commit_callbacks(execute=True):
        fire(world, proposal, "start_research", "secretary")
    assert Proposal.objects.get(pk=proposal.pk).state == State.RESEARCH
    assert "Could not queue notices" in caplog.text
    # The notices wait in the outbox, and go out from there.
    assert set(Notice.objects.values_list("status", flat=True)) == {Notice.Status.PENDING}
    notifications.send_due()
    assert len(mail.outbox) == Notice.objects.count() == 4
    assert set(Notice.objects.values_list("status", flat=True)) == {Notice.Status.SENT}


def test_commenting_returns_the_comment_written_and_logs_it_as_an_action(world):
    proposal = world.draft()
    assign_all(world, proposal)
    fire(world, proposal, "comment", world.cosigners[0], note="第一条意见")

    comment = services.comment_add(proposal_id=proposal.pk, actor=world.lead, body="第二条意见")

    assert (comment.author, comment.body, comment.revision.number) == (world.lead, "第二条意见", 1)
    assert comment == proposal.comments.latest("pk")
    assert Transition.objects.filter(proposal=proposal, action="comment").count() == 2


def _imported_names(path: Path) -> set[str]:
    """Every module an import statement of the file names, inside functions too."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
    return names


def test_the_domain_never_imports_the_tasks():
    """Side effects go one way: the domain queues tasks by name (proposals.task_queue), the tasks call the domain."""
    root = Path(proposals.__file__).parent
    files = [path for path in root.rglob("*.py") if path.name != "tasks.py" and "migrations" not in path.parts]
    assert [path.name for path in files if "proposals.tasks" in _imported_names(path)] == []
    domain = sorted(f"proposals.{path.stem}" for path in root.glob("*.py") if path.name != "tasks.py")
    code = "import sys, django; django.setup(); " + "; ".join(f"import {name}" for name in domain)
    code += "; print('proposals.tasks' in sys.modules)"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tracker.settings"}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert run.stdout.split() == ["False"]


def test_every_task_the_domain_queues_is_a_registered_task():
    from tracker.celery import app

    app.loader.import_default_modules()
    queued = [value for value in vars(task_queue).values() if isinstance(value, task_queue.Task)]
    assert queued and all(task.name in app.tasks for task in queued)
