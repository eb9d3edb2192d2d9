"""The Shuozhou demo of DESIGN §7, built through proposals.services so that it obeys the same guards as real users.

Organisations, people, sessions, the directory of handling units and 40-odd proposals in every state of the
workflow, with revisions, evidence, assignments, comments, the units' answers and the signers' ratings, and a
transition log whose timestamps lie in the past (each proposal's ProposalPlan lays out its steps; DemoSeeder
spreads them over the session's windows and runs them).
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import CommandError
from django.utils import timezone

from demo import data
from demo.files import answer_letter_pdf, survey_csv, tiny_pdf, tiny_png
from proposals import services
from proposals.documents.proposal_docx import chinese_date
from proposals.models import (
    Delegate,
    Evidence,
    HandlingUnit,
    Need,
    NeedEvent,
    NeedReply,
    Organisation,
    Proposal,
    Session,
    User,
)
from proposals.workflow import State, reached

SHANGHAI = ZoneInfo("Asia/Shanghai")
NUMERALS = "一二三四五六七八九十"
REFERENCE_PREFIX = {"motion": "议案", "suggestion": "建议", "cppcc_proposal": "提案"}
REFERENCE_START = {"motion": 3, "suggestion": 100, "cppcc_proposal": 40}
# The phases of a proposal's life, in time order (DemoSeeder.windows says when each happened).
PHASES = ("prepare", "late", "decision", "assign", "answer", "rating", "answer2", "rating2", "supervision", "raise")


def numbered(items: list[str] | tuple[str, ...]) -> str:
    return "\n".join(f"{NUMERALS[i]}、{item}" for i, item in enumerate(items))


def text_lines(text: str, width: int = 30) -> list[str]:
    """A paragraph broken into lines of `width` characters, as a letter prints it (Chinese needs no spaces)."""
    return [text[start : start + width] for start in range(0, len(text), width)]


# --- Seeding ------------------------------------------------------------------------------------------


@dataclass
class Step:
    """One thing that happens to a proposal. `run` gets the moment it happens (used where a service takes it)."""

    phase: str
    weight: float
    run: Callable[[dt.datetime], Any]


class DemoSeeder:
    def __init__(self, *, password_hash: str, now: dt.datetime):
        self.password_hash = password_hash
        self.now = now
        self.today = timezone.localdate(now)
        self.orgs: dict[str, Organisation] = {}
        self.users: dict[str, User] = {}
        self.sessions: dict[str, Session] = {}
        self.units: dict[str, HandlingUnit] = {}
        self.steering: dict[str, User] = {}  # org key -> the user who drafts and steers its proposals
        self.references: dict[tuple[int, str], int] = {}
        self.stored_files: list[str] = []  # evidence written to storage, removed again if seeding fails
        self.needs: dict[str, Need] = {}  # data.NeedSpec.key -> the need
        self.carried: dict[str, list[data.NeedSpec]] = {}  # a proposal's title -> the needs it carries

    # -- Organisations, people, sessions --

    def organisation(self, key: str) -> Organisation | None:
        if key not in self.orgs:
            if key in ("province", "city"):
                name = {"province": data.PROVINCE, "city": data.CITY}[key][1]
            elif key in data.COUNTIES:
                name = data.COUNTIES[key][0]
            else:
                name = data.BRANCHES[key][0]
            found = Organisation.objects.filter(name=name).first()
            if found is None:
                return None
            self.orgs[key] = found
        return self.orgs[key]

    def create_organisations(self) -> None:
        key, name, region = data.PROVINCE
        province, _ = Organisation.objects.get_or_create(name=name, defaults={"level": key, "region": region})
        self.orgs[key] = province
        key, name, region = data.CITY
        city, _ = Organisation.objects.get_or_create(
            name=name, defaults={"level": key, "region": region, "parent": province}
        )
        if city.parent_id != province.pk:  # a demo seeded before the province stood above the city
            city.parent = province
            city.save()
        self.orgs[key] = city
        # The counties in the official order the city lists them in (data.COUNTIES is written in it).
        for position, (key, (name, region)) in enumerate(data.COUNTIES.items(), start=1):
            self.orgs[key], _ = Organisation.objects.get_or_create(
                name=name, defaults={"level": "county", "parent": city, "region": region, "position": position}
            )
        for key, (name, county) in data.BRANCHES.items():
            self.orgs[key], _ = Organisation.objects.get_or_create(
                name=name,
                defaults={"level": "branch", "parent": self.orgs[county], "region": data.COUNTIES[county][1]},
            )

    def person(self, username: str, last: str, first: str, *, role: str, org: str = "") -> User:
        """Someone in the demo who does not log in (no usable password)."""
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(
                username=username, email=f"{username}@{data.EMAIL_DOMAIN}", password=None, first_name=first,
                last_name=last, role=role, organisation=self.orgs[org] if org else None,
            )  # fmt: skip
        self.users[username] = user
        return user

    def delegate_profile(self, user: User, *, body: str, level: str, region: str, constituency: str) -> None:
        Delegate.objects.get_or_create(
            user=user,
            defaults={"body": body, "level": level, "region": region, "constituency": constituency,
                      "contact_email": user.email},
        )  # fmt: skip

    def ensure_login(self, login: data.Login) -> User | None:
        """Create the demo login if it is missing; in any case give it the current password."""
        org = self.organisation(login.org) if login.org else None
        if login.org and org is None:
            return None  # its organisation is gone; the caller reports it
        user = User.objects.filter(username=login.username).first()
        if user is None:
            user = User(
                username=login.username, email=f"{login.username}@{data.EMAIL_DOMAIN}", first_name=login.first_name,
                last_name=login.last_name, role=login.role, organisation=org,
            )  # fmt: skip
        user.password = self.password_hash
        user.is_active = True
        user.save()
        if login.body:
            self.delegate_profile(user, body=login.body, level="city", region="朔州市", constituency=login.constituency)
        self.users[login.username] = user
        return user

    def create_people(self) -> None:
        for login in data.LOGINS:
            self.ensure_login(login)
        for username, (last, first, county) in data.COUNTY_COORDINATORS.items():
            self.steering[county] = self.person(username, last, first, role=User.Role.COORDINATOR, org=county)
        for username, (last, first, branch) in data.BRANCH_SECRETARIES.items():
            self.steering[branch] = self.person(username, last, first, role=User.Role.SECRETARY, org=branch)
        for login in data.LOGINS:
            if login.org:
                self.steering.setdefault(login.org, self.users[login.username])
        groups = (
            (data.CITY_NPC_DEPUTIES, "npc", "city", "朔州市"),
            (data.CITY_CPPCC_MEMBERS, "cppcc", "city", "朔州市"),
            (data.HUAIREN_NPC_DEPUTIES, "npc", "county", "怀仁市"),
        )
        for people, body, level, region in groups:
            for username, (last, first, constituency) in people.items():
                user = self.person(username, last, first, role=User.Role.DELEGATE)
                self.delegate_profile(user, body=body, level=level, region=region, constituency=constituency)

    def create_sessions(self) -> None:
        for key, spec in data.SESSIONS.items():
            opening = self.today + dt.timedelta(days=spec.opening_in_days)
            deadline_day = opening - dt.timedelta(days=spec.deadline_days_before_opening)
            self.sessions[key], _ = Session.objects.get_or_create(
                name=spec.name,
                defaults={
                    "body": spec.body, "level": spec.level, "region": spec.region, "opening_date": opening,
                    "closing_date": opening + dt.timedelta(days=spec.closing_days_after_opening),
                    "submission_deadline": dt.datetime.combine(deadline_day, dt.time(18), tzinfo=SHANGHAI),
                },
            )  # fmt: skip

    def create_units(self) -> None:
        for key, spec in data.HANDLING_UNITS.items():
            last, first, office = spec.contact
            self.units[key], _ = HandlingUnit.objects.get_or_create(
                name=spec.name,
                defaults={
                    "short_name": spec.short_name, "level": spec.level, "contact_person": f"{last}{first}（{office}）",
                    "contact_phone": spec.phone, "contact_email": f"{key}@{data.UNIT_EMAIL_DOMAIN}",
                    "address": spec.address,
                },
            )  # fmt: skip

    # -- Proposals --

    def delegate_pool(self, session: Session) -> list[User]:
        if session.level == "county":
            names = data.HUAIREN_NPC_DEPUTIES
        else:
            names = data.CITY_NPC_DEPUTIES if session.body == "npc" else data.CITY_CPPCC_MEMBERS
        return [self.users[name] for name in names]

    def demo_delegate(self, session: Session) -> User:
        return self.users["demo-delegate" if session.body == "npc" else "demo-delegate2"]

    def pick_delegates(self, spec: data.ProposalSpec, session: Session, index: int) -> tuple[User, list[User]]:
        pool = self.delegate_pool(session)
        shift = index % len(pool)
        pool = pool[shift:] + pool[:shift]
        lead = self.users[spec.lead] if spec.lead else pool[0]
        others = [user for user in pool if user.pk != lead.pk]
        wanted = session.required_motion_cosigners + 1 if spec.kind == "motion" else 2 + index % 2
        if spec.demo_cosign and lead.pk != self.demo_delegate(session).pk:
            return lead, [self.demo_delegate(session), *others[: wanted - 1]]
        return lead, others[:wanted]

    def reference_number(self, session: Session, kind: str, rng: random.Random) -> str:
        key = (session.pk, kind)
        number = self.references.get(key, REFERENCE_START[kind]) + rng.randint(1, 9)
        self.references[key] = number
        return f"{REFERENCE_PREFIX[kind]}第{number:03d}号"

    def windows(
        self, session: Session, final: str, rng: random.Random, *, urgent: bool = False
    ) -> dict[str, tuple[dt.datetime, dt.datetime]]:
        """When each phase of the proposal's life happened. After the session: the office's decision, the units
        assigned (交办), their first answers (within a month when urgent, else within three), the ratings, the
        second round (and the answers of units given more time), supervision of what is still overdue, and,
        in the weeks before today, raising an unresolved proposal again."""
        if session.submission_deadline > self.now:  # the coming sessions: the weeks before today
            days = {"draft": (5, 14), "research": (12, 24), "consultation": (20, 32), "ready": (28, 42)}[final]
            end = self.now - dt.timedelta(hours=rng.uniform(3, 72))
            return {"prepare": (end - dt.timedelta(days=rng.uniform(*days)), end)}
        deadline = session.submission_deadline
        closing = dt.datetime.combine(session.closing_date, dt.time(18), tzinfo=SHANGHAI)
        prepare_end = deadline - dt.timedelta(days=rng.uniform(1.5, 8))
        after = {
            "decision": (2, 12), "assign": (13, 20), "answer": (24, 40) if urgent else (45, 85), "rating": (88, 118),
            "answer2": (122, 150), "rating2": (152, 185), "supervision": (190, 200),
        }  # fmt: skip
        return {
            "prepare": (prepare_end - dt.timedelta(days=rng.uniform(45, 70)), prepare_end),
            "late": (deadline + dt.timedelta(hours=16), deadline + dt.timedelta(days=3)),
            **{phase: (closing + dt.timedelta(days=start), closing + dt.timedelta(days=end))
               for phase, (start, end) in after.items()},
            "raise": (self.now - dt.timedelta(days=12), self.now - dt.timedelta(days=1)),
        }  # fmt: skip

    @staticmethod
    def schedule(steps: list[Step], windows: dict[str, tuple[dt.datetime, dt.datetime]], rng: random.Random):
        """Spread the steps over their phases' windows, in office hours where possible, strictly increasing."""
        times: list[dt.datetime] = []
        previous: dt.datetime | None = None
        for phase, group in itertools.groupby(steps, key=lambda step: step.phase):
            start, end = windows[phase]
            gaps = [step.weight * rng.uniform(0.6, 1.4) for step in group]
            total = sum(gaps) + rng.uniform(0.2, 1.0)  # the phase goes on a little after its last step
            elapsed = 0.0
            for gap in gaps:
                elapsed += gap
                moment = (start + (end - start) * (elapsed / total)).replace(microsecond=0)
                local = timezone.localtime(moment, SHANGHAI)
                if local.hour < 8 or local.hour >= 21:  # people work by day: same day or the next, if it fits
                    for day in (0, 1):
                        office = local.replace(hour=rng.randint(8, 19), minute=rng.randrange(60))
                        office += dt.timedelta(days=day)
                        if (previous is None or office > previous) and start < office <= end:
                            moment = office
                            break
                if previous is not None and moment <= previous:
                    moment = previous + dt.timedelta(minutes=rng.randint(2, 9))
                if moment > end:
                    raise CommandError(f"The demo timeline overflows its {phase} window; fix demo/data.py.")
                times.append(moment)
                previous = moment
        return times

    def seed_proposal(self, index: int, spec: data.ProposalSpec) -> None:
        plan = ProposalPlan.start(self, index, spec)
        for phase in (plan.drafting, plan.research, plan.consultation, plan.finalising, plan.submission):
            if phase():
                break
        windows = self.windows(plan.session, plan.final, plan.rng, urgent=plan.spec.urgent)
        for step, moment in zip(plan.steps, self.schedule(plan.steps, windows, plan.rng), strict=True):
            step.run(moment)

    def seed(self) -> None:
        self.create_organisations()
        self.create_people()
        self.create_sessions()
        self.create_units()
        self.seed_needs()
        for index, spec in enumerate(data.PROPOSALS):
            self.seed_proposal(index, spec)
        self.backdate_needs()
        self.seed_meetings()

    # -- Face-to-face meetings --

    def seed_meetings(self) -> None:
        """A meeting in each county, held with minutes (one still without them), and one to come, to which the demo
        delegate is invited: recorded through the services by the city committee's coordinator, who sees every
        need and proposal it discussed (some are the city's)."""
        actor = self.steering["city"]
        for spec in data.MEETINGS:
            day = timezone.localdate(self.now) - dt.timedelta(days=spec.days_ago)
            starts_at = timezone.make_aware(dt.datetime.combine(day, dt.time(spec.hour)))
            needs = [self.needs[key].pk for key in spec.needs]
            proposals = list(Proposal.objects.filter(needs__in=needs).values_list("pk", flat=True).distinct())
            delegates = list(Delegate.objects.filter(user__username__in=spec.delegates).values_list("pk", flat=True))
            meeting = services.meeting_save(
                actor=actor, organisation_id=self.orgs[spec.org].pk, theme=spec.theme, place=spec.place,
                starts_at=starts_at, delegates=delegates, young_people=spec.young_people,
                other_attendees=spec.others, agenda=spec.agenda, needs=needs, proposals=proposals,
            )  # fmt: skip
            if spec.minutes:
                services.meeting_minutes_record(actor=actor, meeting_id=meeting.pk, minutes=spec.minutes,
                                                now=starts_at + dt.timedelta(days=2))  # fmt: skip

    # -- Young people's needs --

    def seed_needs(self) -> None:
        """The needs young people raised, recorded (or submitted on the public page) and triaged before the
        proposals that carry them were drafted; each proposal links its needs as it is created."""
        for spec in data.NEEDS:
            self.needs[spec.key] = self.record_need(spec)
            for title in spec.carried_by:
                self.carried.setdefault(title, []).append(spec)
        for spec in data.NEEDS:
            self.triage_need(spec)

    def record_need(self, spec: data.NeedSpec) -> Need:
        fields: dict[str, Any] = {
            "summary": spec.summary, "details": spec.details, "topic": spec.topic, "age_group": spec.age_group,
            "group": spec.group, "language": spec.language,
        }  # fmt: skip
        if spec.county:
            fields["county"] = self.orgs[spec.county].pk
        if spec.contact:
            name, phone, email = spec.contact
            fields |= {"contact_name": name, "contact_phone": phone, "contact_email": email, "contact_consent": True,
                       "wants_reply": spec.wants_reply}  # fmt: skip
        organisation = self.orgs[spec.org].pk
        if spec.online:
            return services.need_submit(organisation_id=organisation, **fields)
        return services.need_record(actor=self.steering[spec.org], organisation_id=organisation,
                                    channel=spec.channel, people_count=spec.people, **fields)  # fmt: skip

    def triage_need(self, spec: data.NeedSpec) -> None:
        need, actor = self.needs[spec.key], self.steering[spec.org]
        if spec.outcome == "accepted":
            services.need_accept(actor=actor, need_id=need.pk, theme=spec.theme)
        elif spec.outcome == "merged":
            services.need_merge(actor=actor, need_id=need.pk, into_id=self.needs[spec.into].pk)
        elif spec.outcome == "declined":
            services.need_decline(actor=actor, need_id=need.pk, reason=spec.reason)
        elif spec.outcome == "forwarded":
            services.need_forward(actor=actor, need_id=need.pk, note=spec.note)
            if spec.theme:  # accepted by the committee above
                services.need_accept(actor=self.steering[self.above(spec.org)], need_id=need.pk, theme=spec.theme)

    @staticmethod
    def above(key: str) -> str:
        return data.BRANCHES[key][1] if key in data.BRANCHES else "city"

    def carry_needs(self, spec: data.ProposalSpec, proposal_id: int) -> None:
        """A new proposal links the needs it carries, by whoever steers both (the city committee's coordinator
        when the need is another organisation's)."""
        for need_spec in self.carried.get(spec.title, []):
            need = Need.objects.select_related("organisation").get(pk=self.needs[need_spec.key].pk)
            same = need.organisation_id == self.orgs[spec.org].pk
            actor = self.steering[spec.org] if same else self.users["demo-coordinator"]
            services.need_link(actor=actor, need_id=need.pk, proposal_id=proposal_id)

    def backdate_needs(self) -> None:
        """The need services stamp each step with the present moment; the demo's needs came in before the
        proposals that carry them (or a few days ago, for the others). Each need's log keeps its order: triage
        within days of its arrival, a link when its proposal was drafted, a reply when a unit answered."""
        created = dict(Proposal.objects.values_list("pk", "created_at"))
        for index, spec in enumerate(data.NEEDS):
            need = self.needs[spec.key]
            carriers = [self.needs[spec.into].pk if spec.into else need.pk]
            proposals = Proposal.objects.filter(needs__in=carriers).values_list("pk", flat=True)
            if proposals:
                start = min(created[pk] for pk in proposals) - dt.timedelta(days=18 + index % 9, hours=index)
            else:
                start = self.now - dt.timedelta(days=spec.days_ago, hours=index)
            replies = list(NeedReply.objects.filter(need=need).select_related("answer").order_by("pk"))
            for reply in replies:
                NeedReply.objects.filter(pk=reply.pk).update(created_at=reply.answer.recorded_at)
            answered = iter(reply.answer.recorded_at for reply in replies)
            moment = start
            for step, event in enumerate(need.events.order_by("created_at", "pk")):
                if event.action == NeedEvent.Action.LINKED:
                    when = created[event.proposal_id] + dt.timedelta(minutes=30)
                elif event.action == NeedEvent.Action.REPLY_QUEUED:
                    when = next(answered)
                else:
                    when = start + dt.timedelta(hours=20 * step)
                NeedEvent.objects.filter(pk=event.pk).update(created_at=when)
                moment = max(moment, when)
            Need.objects.filter(pk=need.pk).update(created_at=start, updated_at=moment)

    def forget_files(self) -> None:
        for name in self.stored_files:
            default_storage.delete(name)


@dataclass
class ProposalPlan:
    """The steps of one demo proposal's life, written down phase by phase before any of them runs.

    Building a step may already change what later steps say (the text so far, the revision number, who
    still signs), so that state lives here; the steps themselves run later through `DemoSeeder.run`.
    """

    seeder: DemoSeeder
    index: int
    spec: data.ProposalSpec
    rng: random.Random
    session: Session
    author: User
    coordinator: User
    final: str  # the last state of the main path (workflow.MAIN_PATH) this proposal reaches
    first_text: dict[str, str]
    text: dict[str, str]
    recommendations: list[str]
    steps: list[Step] = field(default_factory=list)
    revision: int = 1
    proposal_id: int | None = None  # set by the first step, read by all the others when they run
    reference: str = ""  # the reference number it is tabled under
    lead: User | None = None
    cosigners: list[User] = field(default_factory=list)
    signing: list[User] = field(default_factory=list)  # the co-signers who have not declined

    @classmethod
    def start(cls, seeder: DemoSeeder, index: int, spec: data.ProposalSpec) -> ProposalPlan:
        session = seeder.sessions[spec.session]
        first_text = {
            "title": spec.draft_title or spec.title,
            "background": spec.background.split("\n\n")[0],
            "research_findings": "",
            "recommendations": "",
        }
        return cls(
            seeder=seeder, index=index, spec=spec, rng=random.Random(f"seed-demo:{index}"), session=session,
            author=seeder.steering[spec.org],
            coordinator=seeder.users["renxiaomin" if session.level == "county" else "demo-coordinator"],
            final=spec.withdraw_from or ("submitted" if spec.state == State.NOT_REGISTERED else spec.state),
            first_text=first_text, text=dict(first_text), recommendations=list(spec.recommendations),
        )  # fmt: skip

    def reaches(self, stage: str) -> bool:
        return reached(self.final, stage)

    # -- The phases, in order; each says whether the proposal's story ends with it --

    def drafting(self) -> bool:
        """A first sketch, then the full reasons and the first recommendations (a fresh draft without a
        background has only its title so far)."""
        spec = self.spec
        self.add(1, self.create)
        if spec.background:
            second = {"background": spec.background, "recommendations": numbered(self.recommendations[:2])}
            if spec.draft_title:
                second["title"] = spec.title
            self.add(1.5, self.edit(**second))
        if self.index % 2 == 0:
            self.add(0.7, self.act(self.coordinator, "comment", data.COORDINATOR_DRAFT_COMMENTS[self.index % 3]))
        if self.final != "draft":
            return False
        if self.index % 3 == 0 and len(self.recommendations) > 2:
            self.add(1, self.edit(recommendations=numbered(self.recommendations)))
        self.withdraw_if_asked()
        return True

    def research(self) -> bool:
        """Evidence and the research summary; the lead may be named before consultation starts."""
        spec = self.spec
        self.add(2, self.act(self.author, "start_research"))
        if not spec.no_evidence:
            self.add(0.5, self.attach("csv"))
        if spec.findings:
            self.add(2, self.edit(research_findings=spec.findings))
        if self.final != "research" or spec.changes:
            return False
        if spec.lead:
            self.add(0.5, self.assign(self.seeder.users[spec.lead], "lead"))
        elif self.author.role == User.Role.SECRETARY:
            # Still without a lead: the secretary has asked her coordinators, who see it on their dashboard.
            self.add(0.5, functools.partial(self.request_delegates, data.DELEGATE_REQUEST_NOTE))
        note = data.EVIDENCE_PENDING_NOTE if spec.no_evidence else data.SECRETARY_RESEARCH_NOTES[self.index % 3]
        self.add(0.7, self.act(self.author, "comment", note))
        self.withdraw_if_asked()
        return True

    def consultation(self) -> bool:
        """The coordinator assigns delegates; they discuss, request changes, decline, co-sign."""
        self.assign_delegates()
        self.discuss()
        if self.spec.changes:
            self.revise_on_request()
            if self.final == "research":
                return True
            self.add(1.5, self.act(self.author, "start_consultation"))
            self.add(0.6, self.act(self.author, "comment", f"已按代表意见修改，请审阅第{self.revision}稿。"))
        self.signing = self.cosigners
        if self.spec.decline:
            self.add(1, self.act(self.cosigners[-1], "decline", data.DECLINE_NOTE))
            self.signing = self.cosigners[:-1]
        if self.final != "consultation":
            return False
        signed = max(1, len(self.signing) // 2) if self.spec.cosigned is None else self.spec.cosigned
        for cosigner in self.signing[:signed]:
            self.add(0.3, self.act(cosigner, "co_sign"))
        if self.spec.endorsed:
            self.add(1, self.act(self.lead, "endorse", data.ENDORSE_NOTE))
        self.withdraw_if_asked()
        return True

    def finalising(self) -> bool:
        """The lead endorses, the co-signers sign, the author finalises (and may reopen once)."""
        self.add(1.5, self.act(self.lead, "endorse", data.ENDORSE_NOTE))
        signing = self.signing
        if self.final == "ready" and self.spec.kind == "motion":
            signing = signing[:-1]  # one co-signer has not signed yet; ten is enough to finalise
        for cosigner in signing:
            self.add(0.3, self.act(cosigner, "co_sign"))
        self.add(1.5, self.act(self.author, "finalise"))
        if self.spec.reopen:
            self.add(2, self.act(self.author, "reopen", data.REOPEN_NOTE))
            self.recommendations.append(data.REOPEN_ADDITION)
            self.add(1.5, self.edit(recommendations=numbered(self.recommendations)))
            self.add(1.2, self.act(self.lead, "endorse"))
            self.add(1, self.act(self.author, "finalise"))
        if self.final != "ready":
            return False
        self.withdraw_if_asked()
        return True

    def submission(self) -> bool:
        """Submission and what follows it: the session office's decision, then the handling units."""
        spec, lead = self.spec, self.lead
        reference = self.reference = self.seeder.reference_number(self.session, spec.kind, self.rng)
        if spec.late:
            self.add(1, self.act(self.coordinator, "allow_late_submission", spec.note), phase="late")
            self.add(1, self.act(lead, "submit", reference_number=reference), phase="late")
        else:
            self.add(1, self.act(lead, "submit", reference_number=reference))
        if spec.state == State.NOT_REGISTERED:
            self.add(1, self.act(lead, "not_register", spec.note), phase="decision")
        elif self.reaches("registered"):
            note = data.REGISTER_NOTES[self.session.body]
            self.add(1, self.act(lead, "register", note, urgent=spec.urgent), phase="decision")
        self.handling()
        return True

    def handling(self) -> None:
        """The units assigned, each unit's answers round by round and every signer's ratings of them, the
        extensions, the supervision and raising the proposal again. Laid out unit by unit, then put in the
        order of the phases they happen in."""
        spec, lead = self.spec, self.lead
        recorder = self.author if self.author.role == User.Role.SECRETARY else lead
        signers = [lead, *self.signing]
        steps: list[tuple[str, float, Callable[[dt.datetime], Any]]] = []
        for handling in spec.handlings:
            unit = self.seeder.units[handling.unit].pk
            steps.append(("assign", 0.5, self.act(recorder, "assign_unit", unit=unit, unit_role=handling.role)))
            if handling.extend_by:
                if len(handling.answers) > 1:
                    raise CommandError("A demo unit given more time answers once; fix demo/data.py.")
                extension = self.act(self.coordinator, "extend_answer", handling.extension_reason, unit=unit,
                                     extend_by=handling.extend_by)  # fmt: skip
                steps.append(("answer", 1.5, extension))
            for round_, answer in enumerate(handling.answers, start=1):
                late = round_ == 2 or handling.extend_by
                answering, rating = ("answer2", "rating2") if late else ("answer", "rating")
                steps.append((answering, 1, self.act(recorder, "record_answer", unit=unit, answer=answer.text,
                                                     answer_class=answer.answer_class,
                                                     answer_method=answer.method)))  # fmt: skip
                if answer.letter:
                    steps.append((answering, 0.3, self.answer_letter(recorder, handling.unit, answer, round_)))
                sent_back = round_ == 1 and answer.rating == "unsatisfied"
                cosigners = answer.cosigners if answer.cosigners is not None else answer.rating
                if cosigners and not sent_back:
                    for cosigner in signers[1:]:
                        steps.append((rating, 0.3, self.act(cosigner, "rate", unit=unit, rating=cosigners)))
                if answer.rating:
                    steps.append((rating, 0.5, self.act(lead, "rate", answer.comment, unit=unit, rating=answer.rating)))
        if spec.supervise:
            steps.append(("supervision", 1, self.act(self.coordinator, "supervise", spec.supervise)))
        if spec.carry_to:
            session = self.seeder.sessions[spec.carry_to].pk
            steps.append(("raise", 1, functools.partial(self.carry_forward, session)))
        for phase, weight, run in sorted(steps, key=lambda step: PHASES.index(step[0])):
            self.add(weight, run, phase=phase)

    # -- Parts of the consultation phase --

    def assign_delegates(self) -> None:
        self.lead, self.cosigners = self.seeder.pick_delegates(self.spec, self.session, self.index)
        self.add(0.5, self.assign(self.lead, "lead"))
        for cosigner in self.cosigners:
            self.add(0.1, self.assign(cosigner, "cosigner"))

    def discuss(self) -> None:
        self.add(0.5, self.attach("pdf"))
        if self.index % 2:
            self.add(0.3, self.attach("png"))
        self.add(1, self.edit(recommendations=numbered(self.recommendations)))
        self.add(2, self.act(self.author, "start_consultation"))
        self.add(1, self.act(self.lead, "comment", data.LEAD_QUESTIONS[self.index % 4]))
        self.add(0.8, self.act(self.author, "comment", "收到，我们按意见进一步完善。"))
        if self.cosigners and self.index % 3 == 0:
            self.add(0.6, self.act(self.cosigners[-1], "comment", data.COSIGNER_COMMENTS[self.index % 3]))

    def revise_on_request(self) -> None:
        request, changed_field, addition = data.CHANGE_REQUESTS[self.index % 3]
        self.add(1.5, self.act(self.lead, "request_changes", request))
        if changed_field == "recommendations":
            self.recommendations.append(addition)
            self.add(2, self.edit(recommendations=numbered(self.recommendations)))
        else:
            self.add(2, self.edit(research_findings=self.text["research_findings"] + "\n" + addition))

    def withdraw_if_asked(self) -> None:
        if self.spec.withdraw_from:
            self.add(1.5, self.act(self.author, "withdraw", self.spec.note))

    # -- Writing down one step: what it will do when it runs --

    def add(self, weight: float, run: Callable[[dt.datetime], Any], phase: str = "prepare") -> None:
        self.steps.append(Step(phase, weight, run))

    def act(self, actor: User, action: str, note: str = "", **inputs: Any) -> Callable[[dt.datetime], Any]:
        return functools.partial(self.apply_transition, actor, action, note, inputs or None)

    def edit(self, **changes: str) -> Callable[[dt.datetime], Any]:
        if any(self.text[name] != value for name, value in changes.items()):
            self.revision += 1  # the service saves a revision only when the text changes
        self.text.update(changes)
        return functools.partial(self.update_text, changes)

    def assign(self, delegate: User, role: str) -> Callable[[dt.datetime], Any]:
        return functools.partial(self.assign_delegate, delegate, role)

    def attach(self, kind: str) -> Callable[[dt.datetime], Any]:
        """The file is made now (it draws on the proposal's random numbers in order); it is stored when run."""
        if kind == "csv":
            name, description = "问卷调查结果.csv", f"{self.seeder.orgs[self.spec.org].name}问卷调查结果（匿名汇总）"
            content = survey_csv(self.spec, self.rng)
        elif kind == "pdf":
            name, description = "座谈会纪要.pdf", "与代表、委员及青年代表座谈会纪要"
            content = tiny_pdf([
                "Minutes of the consultation meeting (demo)",
                f"Proposal {self.index + 1:02d}, session {self.session.pk}",
                f"Participants: {self.rng.randint(8, 25)} young people, deputies and League staff",
            ])  # fmt: skip
        else:
            name, description, content = "调研现场照片.png", "调研现场照片", tiny_png(self.rng)
        return functools.partial(self.add_evidence, name, content, description)

    def answer_letter(
        self, recorder: User, unit_key: str, answer: data.AnswerSpec, round_: int
    ) -> Callable[[dt.datetime], Any]:
        unit = data.HANDLING_UNITS[unit_key]
        name = f"{unit.short_name}答复函.pdf" if round_ == 1 else f"{unit.short_name}答复函（重新办理）.pdf"
        return functools.partial(self.add_answer_letter, recorder, self.seeder.units[unit_key], name, answer.text)

    # -- Running one step: the service call --

    def create(self, now: dt.datetime) -> None:
        due = None
        if self.spec.research_due_days is not None:
            day = self.seeder.today + dt.timedelta(days=self.spec.research_due_days)
            due = dt.datetime.combine(day, dt.time(18), tzinfo=SHANGHAI)
        proposal = services.proposal_create(
            author=self.author, organisation=self.seeder.orgs[self.spec.org], session=self.session,
            kind=self.spec.kind, topic=self.spec.topic, research_due=due, now=now, **self.first_text,
        )  # fmt: skip
        self.proposal_id = proposal.pk
        self.seeder.carry_needs(self.spec, proposal.pk)

    def apply_transition(
        self, actor: User, action: str, note: str, inputs: dict[str, Any] | None, now: dt.datetime
    ) -> None:
        services.transition_apply(
            proposal_id=self.proposal_id, actor=actor, action=action, note=note, inputs=inputs, now=now, notify=False
        )

    def update_text(self, changes: dict[str, str], now: dt.datetime) -> None:
        services.proposal_update_text(proposal_id=self.proposal_id, actor=self.author, now=now, **changes)

    def assign_delegate(self, delegate: User, role: str, now: dt.datetime) -> None:
        services.delegate_assign(
            proposal_id=self.proposal_id,
            actor=self.coordinator,
            delegate=delegate.delegate,
            role=role,
            now=now,
            notify=False,
        )

    def request_delegates(self, note: str, now: dt.datetime) -> None:
        services.delegates_request(proposal_id=self.proposal_id, actor=self.author, note=note, now=now)

    def add_answer_letter(self, recorder: User, unit: HandlingUnit, name: str, text: str, now: dt.datetime) -> None:
        """The unit's letter (答复函) to the lead delegate, as it answered, dated the day it came."""
        lines = [
            *text_lines(f"关于对{self.reference}《{self.spec.title}》的答复"),
            f"尊敬的{self.lead.last_name}{self.lead.first_name}{'委员' if self.session.body == 'cppcc' else '代表'}：",
            *text_lines(text),
            "感谢您对我们工作的关心和支持。",
            unit.name,
            chinese_date(timezone.localdate(now, SHANGHAI)),
            f"联系人：{unit.contact_person}　电话：{unit.contact_phone}",
        ]
        evidence = services.evidence_add(
            proposal_id=self.proposal_id, actor=recorder, upload=SimpleUploadedFile(name, answer_letter_pdf(lines)),
            description=f"{unit.name}答复函", unit_id=unit.pk, now=now,
        )  # fmt: skip
        self.seeder.stored_files.append(evidence.file.name)

    def carry_forward(self, session_id: int, now: dt.datetime) -> None:
        """Raise the proposal again at a later session: a new draft, with the earlier answers as its evidence."""
        self.apply_transition(self.author, "carry_forward", "", {"session": session_id}, now)
        copied = Evidence.objects.filter(proposal__carried_from_id=self.proposal_id).values_list("file", flat=True)
        self.seeder.stored_files.extend(copied)

    def add_evidence(self, name: str, content: bytes, description: str, now: dt.datetime) -> None:
        evidence = services.evidence_add(
            proposal_id=self.proposal_id, actor=self.author, upload=SimpleUploadedFile(name, content),
            description=description, now=now,
        )  # fmt: skip
        self.seeder.stored_files.append(evidence.file.name)
