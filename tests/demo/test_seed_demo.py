"""`manage.py seed_demo`: the Shuozhou demo covers the whole workflow, its history replays, and it is idempotent."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from proposals import services
from proposals.models import (
    Answer,
    AnswerRating,
    Assignment,
    Comment,
    Deadline,
    Delegate,
    Evidence,
    Handling,
    HandlingUnit,
    Meeting,
    MeetingNotice,
    Need,
    NeedEvent,
    NeedReply,
    Organisation,
    Proposal,
    Revision,
    Session,
    Transition,
    User,
)
from proposals.selectors import proposal_action_options, proposals_visible_to, proposals_with_workflow_data
from proposals.workflow import State, handling_state

MODELS = (Organisation, User, Delegate, Session, Proposal, Revision, Assignment, Comment, Evidence, Transition,
          Deadline, HandlingUnit, Handling, Answer, AnswerRating, Need, NeedEvent, NeedReply)  # fmt: skip
LOGINS = {
    "demo-admin": "admin",
    "demo-coordinator": "coordinator",
    "demo-province": "coordinator",
    "demo-secretary": "secretary",
    "demo-secretary2": "secretary",
    "demo-delegate": "delegate",
    "demo-delegate2": "delegate",
}


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture(autouse=True)
def _no_password_from_environment(monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)


def test_seed_demo_builds_the_shuozhou_demo(db):
    output = seed()

    proposals = list(Proposal.objects.select_related("session", "organisation__parent"))
    assert len(proposals) >= 40
    assert {p.state for p in proposals} == set(State.values)
    assert {p.topic for p in proposals} == set(Proposal.Topic.values)
    for proposal in proposals:
        assert proposal.kind in Proposal.KINDS_BY_BODY[proposal.session.body], proposal.title

    counties = Organisation.objects.filter(level="county", parent__name="共青团朔州市委")
    assert set(counties.values_list("name", flat=True)) == {
        "共青团朔城区委", "共青团平鲁区委", "共青团山阴县委", "共青团应县委", "共青团右玉县委", "共青团怀仁市委",
    }  # fmt: skip
    assert Organisation.objects.filter(level="branch", parent__in=counties).count() >= 12
    for county in counties:  # every county has proposals somewhere in its subtree
        assert Proposal.objects.filter(county.subtree_filter("organisation__")).exists(), county.name

    assert Delegate.objects.filter(body="npc", level="city").count() >= 14
    assert Delegate.objects.filter(body="cppcc", level="city").count() >= 6
    assert Delegate.objects.filter(level="county").exists()

    # The seven logins, with the roles and organisations the summary promises, and the default password.
    users = {user.username: user for user in User.objects.filter(username__in=LOGINS)}
    assert {name: user.role for name, user in users.items()} == LOGINS
    assert users["demo-admin"].is_superuser
    assert users["demo-coordinator"].organisation.level == "city"
    # Shanxi's committee above Shuozhou's (#18): its coordinator sees every proposal of the demo.
    province = users["demo-province"].organisation
    assert (province.level, province.parent_id) == ("province", None)
    assert users["demo-coordinator"].organisation.parent_id == province.pk
    assert proposals_visible_to(users["demo-province"]).count() == len(proposals)
    assert Session.objects.filter(level="province").exists()
    assert users["demo-secretary"].organisation.parent.name == "共青团怀仁市委"
    assert users["demo-secretary2"].organisation.parent.name == "共青团平鲁区委"
    assert users["demo-delegate"].delegate.body == "npc"
    assert users["demo-delegate2"].delegate.body == "cppcc"
    for user in users.values():
        assert user.check_password(settings.DEMO_PASSWORD_DEFAULT), user.username
        assert user.email.endswith("@demo.shuozhou.example")
        assert user.first_name and user.last_name
        assert user.username in output
    assert settings.DEMO_PASSWORD_DEFAULT in output
    assert "秘书 / secretary" in output

    # Each delegate login leads some proposals, co-signs others, and does not see them all.
    for username in ("demo-delegate", "demo-delegate2"):
        roles = set(Assignment.objects.filter(delegate__user__username=username).values_list("role", flat=True))
        assert roles == {"lead", "cosigner"}, username
        assert 0 < proposals_visible_to(users[username]).count() < len(proposals), username
    for username in ("demo-secretary", "demo-secretary2"):
        assert 0 < proposals_visible_to(users[username]).count() < len(proposals), username

    # Every proposal's log replays from a draft to its current state, in strictly increasing past time.
    now = timezone.now()
    for proposal in proposals:
        state, previous = State.DRAFT.value, None
        for transition in proposal.transitions.order_by("created_at", "id"):
            assert transition.from_state == state, (proposal.title, transition.action)
            assert previous is None or transition.created_at > previous, proposal.title
            assert transition.created_at < now, proposal.title
            state, previous = transition.to_state, transition.created_at
        assert state == proposal.state, proposal.title
        first = proposal.transitions.order_by("created_at").first()
        assert first is None or proposal.created_at < first.created_at, "drafted before anything happened to it"

    # What the guards demand shows in the data: deadlines kept (or overridden), motions co-signed, evidence.
    for transition in Transition.objects.filter(action="submit").select_related("proposal__session"):
        proposal = transition.proposal
        assert transition.created_at <= proposal.session.submission_deadline or proposal.late_submission_allowed()
        if proposal.kind == Proposal.Kind.MOTION:
            assert proposal.cosigned_count() >= proposal.session.required_motion_cosigners
    assert Transition.objects.filter(action="request_changes", to_state="research").exists()
    assert Transition.objects.filter(action="allow_late_submission").exists()
    assert {e.original_name.rsplit(".", 1)[-1] for e in Evidence.objects.all()} >= {"pdf", "csv", "png"}
    assert Revision.objects.filter(number__gte=3).exists()
    late_states = {State.SUBMITTED, State.REGISTERED, State.NOT_REGISTERED, State.HANDLING, State.ANSWERED,
                   State.CLOSED}  # fmt: skip
    missed = []
    for proposal in proposals:
        if proposal.state in late_states:
            assert proposal.session.submission_deadline < now, proposal.title
        elif (
            proposal.state == State.READY
            and proposal.session.submission_deadline < now
            and not proposal.late_submission_allowed()
        ):
            # The one planned exception: the demo shows the submission-deadline guard on a finalised proposal of
            # the county session, whose deadline passed a few days ago before anyone submitted it. Only a
            # coordinator's late-submission allowance lets it go on; every other open proposal has time left.
            missed.append(proposal.title)
        elif proposal.state != State.WITHDRAWN:
            assert proposal.session.submission_deadline > now, proposal.title
    assert missed


def test_seed_demo_shows_every_path_after_the_session(db):
    """The units' handling of issue #15: several units, each class of answer, a second round, an extension, an
    urgent proposal, a key supervised item, an overdue unit and a proposal raised again, each in the records."""
    seed()
    today = timezone.localdate()

    units = HandlingUnit.objects.all()
    assert units.count() >= 13
    for unit in units:
        assert unit.short_name and unit.contact_person and unit.contact_phone and unit.address, unit.name
        assert unit.contact_email.endswith(".example"), unit.name  # mail to the demo's units reaches nobody
    assert set(units.values_list("level", flat=True)) == {"city", "county"}

    handled = Proposal.objects.filter(handlings__isnull=False).distinct()
    for proposal in handled:  # the state agrees with the units' handling
        assert proposal.state == handling_state(proposal), proposal.title
    several = [p for p in handled if {h.role for h in p.handlings.all()} == {"lead", "assisting"}]
    assert len(several) >= 5
    assert Handling.objects.filter(proposal__in=handled, role="lead").count() == handled.count()  # one lead each

    assert set(Answer.objects.values_list("answer_class", flat=True)) == {"A", "B", "C"}
    assert set(Answer.objects.values_list("method", flat=True)) == {"writing", "in_person", "phone"}
    # Every settled first round was rated by every signer; every rating is a signer's.
    for handling in Handling.objects.filter(status="settled", round=1).select_related("proposal"):
        signers = {a.delegate.user_id for a in handling.proposal.signer_assignments()}
        (answer,) = handling.answers.all()
        assert set(answer.ratings.values_list("rater_id", flat=True)) == signers, handling
    for rating in AnswerRating.objects.select_related("answer__handling__proposal"):
        assert rating.answer.handling.proposal.signer_assignment(rating.rater) is not None

    # An unsatisfied first answer handled again: the second answered and rated, the proposal closed.
    again = Handling.objects.get(round=2)
    first, second = again.answers_list()
    assert first.ratings.filter(rating="unsatisfied").exists()
    assert second.ratings.exists() and again.status == "settled" and again.proposal.state == State.CLOSED
    assert Transition.objects.filter(action="rate", details__sent_back=True).count() == 1

    extended = Handling.objects.get(extended_at__isnull=False)
    assert extended.extension_reason and extended.answers.exists()
    assert extended.due_on > extended.assigned_on + dt.timedelta(days=100)  # three months and two more

    urgent = Proposal.objects.get(urgent=True)
    for handling in urgent.handlings.all():
        assert handling.due_on <= handling.assigned_on + dt.timedelta(days=31)
        assert handling.answers.get().answered_on <= handling.due_on

    supervised = Proposal.objects.get(supervised_at__isnull=False)
    assert supervised.supervision_reason and supervised.state == State.HANDLING
    overdue = supervised.handlings.filter(status="open", due_on__lt=today)
    assert overdue.count() == 1 and supervised.handlings.filter(status="answered").exists()

    # Raised again: last year's closed proposal, unresolved (a class C answer), as a draft at this year's session.
    (draft,) = Proposal.objects.filter(carried_from__isnull=False)
    earlier = draft.carried_from
    assert earlier.state == State.CLOSED and earlier.unresolved_handlings()
    assert draft.state == State.DRAFT and draft.session.opening_date > earlier.session.opening_date
    assert draft.title == earlier.title
    assert draft.evidence.filter(original_name__endswith=".docx").exists()
    assert draft.evidence.filter(original_name__endswith=".pdf").exists()  # the earlier answer letter

    # Answer letters: small PDFs, each on the answer it belongs to.
    letters = Evidence.objects.filter(answer__isnull=False).select_related("answer__handling")
    assert letters.count() >= 5
    for letter in letters:
        assert letter.answer.handling.proposal_id == letter.proposal_id
        with letter.file.open("rb") as file:
            content = file.read()
        assert content.startswith(b"%PDF-1.4") and content.rstrip().endswith(b"%%EOF")

    # The demo delegate has answers to rate.
    delegate = User.objects.get(username="demo-delegate")
    assert any(p.handlings_to_rate(delegate) for p in Proposal.objects.filter(state=State.ANSWERED))


def test_seed_demo_has_needs_from_every_channel_in_every_status_carried_into_proposals(db):
    seed()
    needs = Need.objects.all()
    assert {n.channel for n in needs} == set(Need.Channel.values)
    assert {n.status for n in needs} == set(Need.Status.values)
    assert set(NeedEvent.objects.values_list("action", flat=True)) >= {
        "received", "accepted", "merged", "declined", "forwarded", "linked", "reply_queued"}  # fmt: skip
    for need in needs.filter(status=Need.Status.DECLINED):
        assert need.decline_reason
    for need in needs.filter(status=Need.Status.MERGED):  # the count adds up
        target = need.merged_into
        recorded = sum(Need.objects.filter(merged_into=target).values_list("people_count", flat=True))
        assert target.people_count > recorded
    assert needs.filter(recorded_by__isnull=True, channel=Need.Channel.ONLINE).exists()  # the public page
    assert needs.filter(contact_consent=True).exclude(contact_email="").exists()
    assert not needs.filter(contact_consent=False).exclude(contact_name="", contact_phone="", contact_email="")
    # Some are carried into proposals that were answered since: who asked for a reply has one waiting.
    answered = Proposal.objects.filter(needs__isnull=False, handlings__answers__isnull=False).distinct()
    assert answered.exists() and Proposal.objects.filter(needs__isnull=False, state=State.DRAFT).exists()
    assert NeedReply.objects.filter(status=NeedReply.Status.PENDING).exists()
    assert NeedReply.objects.filter(language="en").exists()
    for need in needs.filter(proposals__isnull=False):  # they came in before the proposals that carry them
        assert need.created_at < min(p.created_at for p in need.proposals.all())
        log = list(need.events.values_list("created_at", flat=True))
        assert log == sorted(log) and need.created_at <= log[0]
    # Every county's committee, or an organisation under it, heard some.
    for county in Organisation.objects.filter(level="county"):
        assert needs.filter(county.subtree_filter("organisation__")).exists() or needs.filter(county=county)


def test_seed_demo_shows_every_main_guard_to_the_admin(db):
    """Each main guard of the workflow holds back an action on some demo proposal, on demo-admin's workflow page."""
    seed()
    admin = User.objects.get(username="demo-admin")
    codes = {
        option.refused.code
        for proposal in proposals_with_workflow_data(Proposal.objects.all())
        for option in proposal_action_options(user=admin, proposal=proposal)
        if option.refused is not None
    }
    assert codes >= {
        "text_incomplete", "research_summary_missing", "evidence_missing", "lead_delegate_missing",
        "lead_not_endorsed", "cosigners_insufficient", "submission_deadline_passed",
    }  # fmt: skip


def test_seed_demo_twice_creates_nothing_new_and_resets_the_password(db, monkeypatch):
    seed()
    before = counts()
    monkeypatch.setenv("DEMO_PASSWORD", "from-the-environment")
    output = seed()
    assert counts() == before
    assert "already present" in output
    assert "from-the-environment" in output
    assert User.objects.get(username="demo-delegate").check_password("from-the-environment")

    seed(password="from-the-option")  # --password wins over the environment
    assert counts() == before
    assert User.objects.get(username="demo-admin").check_password("from-the-option")


def test_seed_demo_failing_half_way_leaves_nothing_behind(db, monkeypatch):
    real = services.transition_apply
    calls = 0

    def failing(**kwargs):
        nonlocal calls
        calls += 1
        if calls == 150:
            raise RuntimeError("the database went away")
        return real(**kwargs)

    monkeypatch.setattr(services, "transition_apply", failing)
    with pytest.raises(RuntimeError):
        seed()
    assert set(counts().values()) == {0}
    evidence_dir = Path(settings.MEDIA_ROOT) / "evidence"
    assert not [path for path in evidence_dir.rglob("*") if path.is_file()]


def test_seed_demo_refuses_production_unless_forced(db, settings):
    from django.core.management.base import CommandError

    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="--force"):
        seed()
    assert not User.objects.filter(username="demo-admin").exists()


def test_the_demo_holds_a_meeting_with_minutes_in_every_county_and_one_to_come(db):
    seed()
    counties = Organisation.objects.filter(level="county")
    with_minutes = {m.organisation_id for m in Meeting.objects.exclude(minutes="")}
    assert set(counties.values_list("pk", flat=True)) <= with_minutes
    coming = Meeting.objects.filter(starts_at__gt=timezone.now()).get()
    assert coming.delegates.filter(user__username="demo-delegate").exists()
    assert MeetingNotice.objects.filter(meeting=coming, kind="invitation").count() == coming.delegates.count()
    assert Meeting.objects.filter(minutes="", starts_at__lt=timezone.now()).exists()
