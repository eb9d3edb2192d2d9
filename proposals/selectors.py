"""Scoped reads: what each person may see (DESIGN §2), in one place for every caller."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from operator import attrgetter

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.lookups import DataContains
from django.db import connection, models
from django.db.models import (
    Case,
    Exists,
    F,
    FilteredRelation,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import ExtractYear, Upper
from django.db.models.lookups import Contains
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from proposals import tree
from proposals.models import (
    Answer,
    AnswerRating,
    Assignment,
    Comment,
    Deadline,
    Delegate,
    DelegateRequest,
    DocumentExport,
    Evidence,
    Handling,
    HandlingUnit,
    Meeting,
    Need,
    Notice,
    Organisation,
    Proposal,
    Reminder,
    Revision,
    Session,
    Stage,
    Transition,
    User,
)
from proposals.workflow import (
    ACTIONS_BY_NAME,
    ActionOption,
    GuardContext,
    HandlingStatus,
    Rating,
    Role,
    State,
    UnitRole,
    action_options,
    main_path_from,
)


def organisations_in_scope(user: User) -> QuerySet[Organisation]:
    """The organisations whose proposals the user steers: their own, and for coordinators everything below."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    if user.is_operator:
        return Organisation.objects.all()
    if user.organisation_id is None:
        return Organisation.objects.none()
    if user.role == User.Role.COORDINATOR:
        return Organisation.objects.filter(user.organisation.subtree_filter())
    if user.role == User.Role.SECRETARY:
        return Organisation.objects.filter(pk=user.organisation_id)
    return Organisation.objects.none()


def in_tree_order(organisations: QuerySet[Organisation]) -> QuerySet[Organisation]:
    """Each organisation followed by those below it, siblings in the official order: the order of every
    organisation picker (which indents them by depth). The materialised path is that order."""
    return organisations.order_by("path")


@dataclass(frozen=True)
class IdRange:
    """Where a page of a list in the order of the proposals' ids starts: the ids below, or above, a position
    (a cursor). A scope read from another table applies it there too (`proposals_visible_to`)."""

    lookup: str  # "lt" or "gt"
    position: int

    def of(self, field: str) -> Q:
        return Q(**{f"{field}__{self.lookup}": self.position})


def proposals_visible_to(user: User, ids: IdRange | None = None) -> QuerySet[Proposal]:
    """Every proposal the user may see. Anything outside it does not exist for them.

    `ids` narrows it to a page's range, where the scope is driven from: a delegate's proposals are read from
    their assignments by (delegate, proposal) downwards, so that the cursor bounds that index scan and a deep
    page costs what page one does (#18); the other scopes are read down the proposals' own key (a county
    coordinator's list page by organisation: `list_page`)."""
    proposals = Proposal.objects.all()
    if ids is not None:
        proposals = proposals.filter(ids.of("pk"))
    if not user.is_authenticated:
        return proposals.none()
    if user.is_operator:
        return proposals
    if user.role == User.Role.DELEGATE:
        # A join, not EXISTS: assignments are unique per (proposal, delegate), so it yields each proposal once,
        # and with the delegate's id as a constant the planner knows how many this delegate has and walks
        # assignment_by_delegate in the proposals' order instead of testing every proposal row by row.
        try:
            delegate_id = user.delegate.pk  # read with the token (api.authentication)
        except Delegate.DoesNotExist:
            return proposals.none()
        scope = Q(assignments__delegate_id=delegate_id)
        return proposals.filter(scope & ids.of("assignments__proposal_id") if ids else scope)
    if user.role == User.Role.COORDINATOR and user.organisation_id:
        # The path as a constant, so that PostgreSQL range-scans organisation.path: a pattern read in a subquery
        # is opaque to the planner, which then scans every organisation and sorts the whole scope (#18). The
        # organisation is read once and kept on the user for the rest of the request.
        return proposals.filter(user.organisation.subtree_filter("organisation__"))
    if user.role == User.Role.SECRETARY and user.organisation_id:
        return proposals.filter(organisation_id=user.organisation_id)
    return proposals.none()


def organisations_visible_to(user: User) -> QuerySet[Organisation]:
    """Organisations the user may name or filter by: those they steer, and for delegates those of their proposals."""
    if user.is_authenticated and user.role == User.Role.DELEGATE and not user.is_operator:
        return Organisation.objects.filter(pk__in=proposals_visible_to(user).values("organisation"))
    return organisations_in_scope(user)


def delegates_visible_to(user: User) -> QuerySet[Delegate]:
    """Deputies and members are public figures to the League's staff; a delegate sees those on their proposals."""
    delegates = Delegate.objects.select_related("user")
    if not user.is_authenticated:
        return delegates.none()
    if user.is_operator or user.role in (User.Role.SECRETARY, User.Role.COORDINATOR):
        return delegates
    return delegates.filter(assignments__proposal__in=proposals_visible_to(user)).distinct()


def sessions_visible_to(user: User) -> QuerySet[Session]:
    """Sessions are public: anyone signed in sees them all. The API and the web offer and accept these."""
    return Session.objects.all() if user.is_authenticated else Session.objects.none()


def sessions_open_for_drafting(user: User, today: date | None = None) -> QuerySet[Session]:
    """The user's sessions that have not closed, soonest deadline first: where a new draft may go, if the user
    drafts at all."""
    if not steers_organisations(user):
        return Session.objects.none()
    today = today or timezone.localdate()
    return sessions_visible_to(user).filter(closing_date__gte=today).order_by("submission_deadline", "pk")


def steers_organisations(user: User) -> bool:
    """Whether the user steers any organisation's proposals, and so drafts and exports them: secretaries,
    coordinators and operators, not delegates."""
    return organisations_in_scope(user).exists()


def open_delegate_request(proposal: Proposal) -> DelegateRequest | None:
    """The secretary's request for delegates that no lead delegate has answered yet, if there is one (read with
    the proposal when it came with `with_open_delegate_requests`)."""
    prefetched = getattr(proposal, OPEN_DELEGATE_REQUESTS, None)
    if prefetched is not None:
        return prefetched[0] if prefetched else None
    return _open_delegate_requests(proposal.delegate_requests.all()).first()


OPEN_DELEGATE_REQUESTS = "open_delegate_requests"


def _open_delegate_requests(requests: QuerySet[DelegateRequest]) -> QuerySet[DelegateRequest]:
    return requests.filter(answered_at__isnull=True).select_related("requested_by").prefetch_related("wanted__user")


def with_open_delegate_requests() -> models.Prefetch:
    """A prefetch of the proposals' open requests for delegates, for open_delegate_request without a query each."""
    return models.Prefetch("delegate_requests", _open_delegate_requests(DelegateRequest.objects.all()),
                           to_attr=OPEN_DELEGATE_REQUESTS)  # fmt: skip


def open_delegate_requests(user: User) -> QuerySet[DelegateRequest]:
    """The requests for delegates waiting for this coordinator (or operator): those of the proposals they steer
    from above, oldest first."""
    if not (user.is_superuser or user.role == User.Role.COORDINATOR):
        return DelegateRequest.objects.none()
    return (
        DelegateRequest.objects.filter(answered_at__isnull=True, proposal__in=proposals_visible_to(user))
        .select_related("proposal__organisation", "requested_by")
        .order_by("created_at", "pk")
    )


def delegates_assignable_to(proposal: Proposal) -> QuerySet[Delegate]:
    """The delegates who may still be assigned to the proposal: those of its session's body, not on it yet."""
    assigned = proposal.assignments.values("delegate")
    return Delegate.objects.filter(body=proposal.session.body).exclude(pk__in=assigned).select_related("user")


def counties_in_scope(user: User) -> QuerySet[Organisation]:
    """The county and district committees in the user's scope, which their statistics are broken down by."""
    return organisations_in_scope(user).filter(level=Organisation.Level.COUNTY)


def counties_under(organisation: Organisation) -> QuerySet[Organisation]:
    """The county and district committees of an organisation's subtree (itself, if it is one)."""
    return Organisation.objects.filter(organisation.subtree_filter(), level=Organisation.Level.COUNTY)


def upper_committees_in_scope(user: User) -> QuerySet[Organisation]:
    """The province and city committees in the user's scope, whose own proposals (filed above any county) their
    statistics show beside the counties."""
    return organisations_in_scope(user).filter(level__in=[Organisation.Level.PROVINCE, Organisation.Level.CITY])


def counting_unit(units: Iterable[Organisation], prefix: str = "organisation__") -> Case:
    """An expression for rows that belong to an organisation (through `prefix`): which of `units` the row counts
    in, the nearest at or above its organisation (a branch's in its county, a branch right below a city's in the
    city), null if none. A prefix lookup per unit, deepest first, whatever the depth; no query of its own."""
    deepest_first = sorted(units, key=lambda unit: len(unit.path), reverse=True)
    whens = [When(**{f"{prefix}path__startswith": unit.path}, then=Value(unit.pk)) for unit in deepest_first]
    return Case(*whens, default=None, output_field=IntegerField())


def counting_unit_of_path(units: Iterable[Organisation]) -> Callable[[str], int | None]:
    """counting_unit for an organisation's path, in Python: the nearest of `units` at or above it (the longest of
    their paths it starts with, a step at a time), None if none. For counts grouped by organisation first, far
    fewer rows than the proposals, where a prefix lookup per unit and proposal would cost more than the count."""
    by_path = {unit.path: unit.pk for unit in units}

    def unit_of(path: str) -> int | None:
        for end in range(len(path), 0, -tree.STEP_WIDTH):
            if (unit := by_path.get(path[:end])) is not None:
                return unit
        return None

    return unit_of


def proposal_roles(*, user: User, proposal: Proposal) -> frozenset[Role]:
    """What the user is with respect to this proposal; empty when they have no part in it."""
    if not user.is_authenticated:
        return frozenset()
    roles: set[Role] = set()
    if user.is_operator:
        roles.add(Role.ADMIN)
    if user.organisation_id is not None:
        if user.role == User.Role.SECRETARY and proposal.organisation_id == user.organisation_id:
            roles.add(Role.SECRETARY)
        if user.role == User.Role.COORDINATOR and proposal.organisation.is_within(user.organisation):
            roles.add(Role.COORDINATOR)
    assignment = proposal.assignment_of(user)
    if assignment is not None:
        roles.add(assignment.workflow_role)
    return frozenset(roles)


def guard_context(*, user: User, proposal: Proposal, now: datetime | None = None) -> GuardContext:
    return GuardContext(actor=user, roles=proposal_roles(user=user, proposal=proposal), now=now or timezone.now())


def proposal_action_options(*, user: User, proposal: Proposal, now: datetime | None = None) -> list[ActionOption]:
    """The buttons for this user on this proposal: each action allowed now, or not yet with the guard's reason."""
    return action_options(proposal, guard_context(user=user, proposal=proposal, now=now))


def proposals_with_workflow_data(queryset: QuerySet[Proposal]) -> QuerySet[Proposal]:
    """Load what the guards read in a fixed number of queries, whatever the number of proposals."""
    return queryset.select_related("session", "organisation__parent__parent").prefetch_related(
        "assignments__delegate__user", *HANDLING_PREFETCH
    )


# What the guards and the handling section read of the units' handling of a proposal.
HANDLING_PREFETCH = ("handlings__unit", "handlings__answers__ratings__rater", "handlings__answers__letters")


def units_of(handlings: list[Handling]) -> QuerySet[HandlingUnit]:
    """The units of these handlings, in their order (lead units first)."""
    ids = [handling.unit_id for handling in handlings]
    order = Case(*(When(pk=pk, then=Value(index)) for index, pk in enumerate(ids)), output_field=IntegerField())
    return HandlingUnit.objects.filter(pk__in=ids).order_by(order)


def handling_units_matching(*, search: str = "", level: str = "", active: bool | None = None) -> QuerySet[HandlingUnit]:
    """The directory of handling units, narrowed by name (or short name, or contact), level and whether active."""
    units = HandlingUnit.objects.all()
    search = search.strip()
    if search:
        units = units.filter(Q(name__icontains=search) | Q(short_name__icontains=search)
                             | Q(contact_person__icontains=search))  # fmt: skip
    if level:
        units = units.filter(level=level)
    if active is not None:
        units = units.filter(is_active=active)
    return units.order_by("-is_active", "level", "name")


def handling_units_to_assign(proposal: Proposal) -> QuerySet[HandlingUnit]:
    """The directory's active units that do not handle the proposal yet."""
    return HandlingUnit.objects.filter(is_active=True).exclude(handlings__proposal=proposal)


def sessions_to_raise_again_at(user: User, proposal: Proposal) -> QuerySet[Session]:
    """Where the person may raise the proposal again: their sessions open for drafting that open after its own, at
    its level or a higher one, and where it is not raised again already."""
    from proposals.services.handling import LEVEL_RANK  # the rule the service checks

    levels = [level for level, rank in LEVEL_RANK.items() if rank >= LEVEL_RANK[proposal.session.level]]
    return (
        sessions_open_for_drafting(user)
        .filter(opening_date__gt=proposal.session.opening_date, level__in=levels)
        .exclude(pk__in=proposal.raised_again.values("session"))
    )


def action_input_choices(*, user: User, proposal: Proposal, action: str) -> dict[str, QuerySet]:
    """The rows that the inputs of `action` naming a handling unit or a session may name now, as the forms offer
    them: the unit to assign, the unit whose answer is recorded, extended or rated, the session to raise it at."""
    handlings = proposal.handlings_list()
    awaiting = [h for h in handlings if h.status == HandlingStatus.OPEN]
    match action:
        case "assign_unit":
            return {"unit": handling_units_to_assign(proposal)}
        case "record_answer":
            return {"unit": units_of(awaiting)}
        case "extend_answer":
            return {"unit": units_of([h for h in awaiting if h.extended_at is None])}
        case "rate":
            return {"unit": units_of(proposal.handlings_to_rate(user))}
        case "carry_forward":
            return {"session": sessions_to_raise_again_at(user, proposal)}
    return {}


@dataclass(frozen=True)
class HandlingShown:
    """One unit's handling of a proposal as its page shows it."""

    handling: Handling
    overdue: bool  # its answer is awaited past the due date
    to_rate: list[User]  # the signers whose rating of its current answer is awaited

    @property
    def is_lead(self) -> bool:
        return self.handling.role == UnitRole.LEAD


def handlings_shown(proposal: Proposal, today: date | None = None) -> list[HandlingShown]:
    """The units handling the proposal, lead units first, from the prefetched rows (HANDLING_PREFETCH)."""
    today = today or timezone.localdate()
    signers = [assignment.delegate.user for assignment in proposal.signer_assignments()]
    shown = []
    for handling in proposal.handlings_list():
        awaited = handling.status == HandlingStatus.OPEN
        rating = handling.status == HandlingStatus.ANSWERED
        to_rate = [user for user in signers if not handling.rated_by(user)] if rating else []
        shown.append(HandlingShown(handling, awaited and handling.due_on < today, to_rate))
    return shown


def proposals_matching(
    user: User,
    *,
    state: str = "",
    kind: str = "",
    topic: str = "",
    session_id: int | None = None,
    organisation_id: int | None = None,
    search: str = "",
    include_below: bool = False,
    year: int | None = None,
    milestone: str = "",
) -> QuerySet[Proposal]:
    """The proposals the user may see, narrowed by the list page's filters and search (title and text).

    The filters are `proposal_filter`'s, which the year review counts with too: a figure there and the list
    it links to are one filter.
    """
    proposals = proposals_visible_to(user).filter(
        proposal_filter(
            state=state, kind=kind, topic=topic, session_id=session_id, organisation_id=organisation_id,
            include_below=include_below, year=year, milestone=milestone,
        )
    )  # fmt: skip
    search = search.strip()
    if search:
        proposals = proposals.filter(text_search(search))
    return proposals.select_related("organisation", "session")


class Milestone(models.TextChoices):
    """How far a proposal got in a year (the year review's columns; the list filters by them too)."""

    DRAFTED = "drafted", pgettext_lazy("milestone", "Drafted")
    SUBMITTED = "submitted", pgettext_lazy("milestone", "Submitted")
    REGISTERED = "registered", pgettext_lazy("milestone", "Registered")
    ANSWERED = "answered", pgettext_lazy("milestone", "Answered")
    SATISFIED = "satisfied", pgettext_lazy("milestone", "Rated satisfied")


# Reached registration: the states a proposal is in once it got that far.
REGISTERED_OR_LATER = main_path_from(State.REGISTERED)

# A unit's final answer: the answer of the round its handling is in (the second, once the first was rated
# unsatisfied). Only the ratings of final answers say how satisfied the proposers were in the end.
FINAL_ROUND = Q(answer__round=F("answer__handling__round"))


def _units_of_proposal(**lookups) -> Exists:
    return Exists(Handling.objects.filter(proposal=OuterRef("pk"), **lookups))


# How far a proposal got, whenever it happened: the one definition of each figure, which the statistics' rates
# (proposals.reporting.statistics.rates) and the year review's milestones (milestone_filter) both count with.
# Answered and rated are read off the units' records, not the state: a unit sent back to answer again (round 2)
# puts the proposal back in handling, yet its first answer came.
REACHED_REGISTRATION = Q(state__in=REGISTERED_OR_LATER)
NOT_REGISTERED = Q(state=State.NOT_REGISTERED)
# Every unit assigned to the proposal (at least one) has answered at least once.
REACHED_ANSWER = Q(_units_of_proposal()) & ~Q(_units_of_proposal(answers__isnull=True))
# Closed (办结): every signer rated every unit's final answer.
RATED = Q(state=State.CLOSED)
# Closed, and no signer rated a unit's final answer unsatisfied.
RATED_SATISFIED = RATED & ~Q(
    Exists(AnswerRating.objects.filter(FINAL_ROUND, answer__handling__proposal=OuterRef("pk"),
                                       rating=Rating.UNSATISFIED))
)  # fmt: skip


# A proposal's year is the year in which it reached a milestone: drafted, submitted... (milestone_filter,
# year_bounds), on the year review and the list. A session has a year too, the one it opened in: the statistics
# page filters by sessions (session_year_filter, session_years) and says so ("Session year").


def session_year_filter(year: int) -> Q:
    """The proposals for the sessions that opened in `year` (the statistics page's year)."""
    return Q(session__opening_date__year=year)


def session_years(sessions: QuerySet[Session]) -> list[int]:
    """The years in which these sessions opened, latest first: the statistics page's choice of years."""
    years = sessions.annotate(year=ExtractYear("opening_date")).values_list("year", flat=True).distinct()
    return sorted(set(years), reverse=True)


def proposals_for_statistics(
    user: User, *, session: Session | None = None, year: int | None = None
) -> QuerySet[Proposal]:
    """What the statistics page counts: the user's proposals, of a session, of the sessions of a year, or all."""
    proposals = proposals_visible_to(user)
    if session is not None:
        proposals = proposals.filter(proposal_filter(session_id=session.pk))
    if year is not None:
        proposals = proposals.filter(session_year_filter(year))
    return proposals


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The first moment of the year and of the next, in the project's time zone (Beijing time), whatever zone
    the request activated: a proposal drafted on 31 December at 23:30 in Shuozhou belongs to that year."""
    zone = timezone.get_default_timezone()
    return datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)


def milestone_filter(milestone: str, year: int) -> Q:
    """The proposals that reached `milestone` in `year`. The one definition, for the year review and the list.

    drafted: created in the year. submitted: submitted on a day of the year. The later milestones follow the
    year's submissions (the cohort tabled that year): registered, registered and then answered, and answered
    and rated satisfied or basically satisfied, whenever that happened. So the row reads as a funnel:
    submitted ≥ registered ≥ answered ≥ satisfied. Drafted stands apart: a draft of December may be tabled
    at the next year's session.
    """
    if milestone == Milestone.DRAFTED:
        start, end = year_bounds(year)
        return Q(created_at__gte=start, created_at__lt=end)
    submitted = Q(submitted_on__year=year)
    if milestone == Milestone.SUBMITTED:
        return submitted
    if milestone == Milestone.REGISTERED:
        return submitted & REACHED_REGISTRATION
    if milestone == Milestone.ANSWERED:
        return submitted & REACHED_ANSWER
    if milestone == Milestone.SATISFIED:
        return submitted & REACHED_ANSWER & RATED_SATISFIED
    raise ValueError(f"Unknown milestone {milestone!r}")


def organisation_filter(organisation_id: int, *, include_below: bool = False) -> Q:
    """One organisation's proposals, or with include_below those of the organisations below it too."""
    if include_below:
        return Organisation(pk=organisation_id).subtree_filter("organisation__")
    return Q(organisation_id=organisation_id)


def proposal_filter(
    *,
    state: str = "",
    kind: str = "",
    topic: str = "",
    session_id: int | None = None,
    organisation_id: int | None = None,
    include_below: bool = False,
    year: int | None = None,
    milestone: str = "",
) -> Q:
    """The list's filters as one condition, for `.filter()` and for conditional counts alike."""
    condition = Q()
    if state:
        condition &= Q(state=state)
    if kind:
        condition &= Q(kind=kind)
    if topic:
        condition &= Q(topic=topic)
    if session_id is not None:
        condition &= Q(session_id=session_id)
    if organisation_id is not None:
        condition &= organisation_filter(organisation_id, include_below=include_below)
    if milestone and year is not None:
        condition &= milestone_filter(milestone, year)
    return condition


def led_by(delegate: Delegate) -> Exists:
    """The proposals whose lead delegate is `delegate`."""
    return Exists(Assignment.objects.filter(proposal=OuterRef("pk"), delegate=delegate, role=Assignment.Role.LEAD))


def assigned_to(user: User) -> Exists:
    """The proposals on which the user is the lead delegate or a co-signer."""
    return Exists(Assignment.objects.filter(proposal=OuterRef("pk"), delegate__user=user))


def overdue_filter(now: datetime, *, overdue: bool = True) -> Q:
    """The proposals whose current stage's due date passed (with_current_due_at's `current_due_at`), or with
    overdue=False the others: those due later and those with no running stage (NOT (NULL < now) would drop them)."""
    if overdue:
        return Q(current_due_at__lt=now)
    return Q(current_due_at__isnull=True) | Q(current_due_at__gte=now)


def text_search(search: str) -> Q:
    """Substring search over the title and the text: works for Chinese, which has no spaces between words.

    On PostgreSQL the four fields are searched as one upper-cased text, fields joined by a newline, in the
    shape of migration 0005's indexes: a LIKE the trigram index serves, or for a term of one or two
    characters (too short for trigrams) a look-up in the index of every 1- and 2-character substring. The
    term is upper-cased in SQL, as the text is, so both follow the database's case rules.
    """
    # A newline in the term could match across the newline that joins two fields: such a term (the callers
    # strip theirs, so it is rare) is searched field by field, without an index.
    if connection.vendor != "postgresql" or "\n" in search:
        return (
            Q(title__icontains=search)
            | Q(background__icontains=search)
            | Q(research_findings__icontains=search)
            | Q(recommendations__icontains=search)
        )
    text = Func(
        "title", "background", "research_findings", "recommendations",
        function="proposal_search_text", output_field=models.TextField(),
    )  # fmt: skip
    term = Upper(Value(search))
    # The substring index leaves out whitespace and control characters (the same class as in the migration),
    # and a term Python upper-cases to 3+ characters (German ß) may be as long in PostgreSQL: the LIKE, then.
    if len(search) >= 1 and len(search.upper()) <= 2 and not re.search(r"[\x00-\x20\x7f\u3000]", search):
        grams = Func(text, function="proposal_search_grams", output_field=ArrayField(models.TextField()))
        return Q(DataContains(grams, Func(term, template="ARRAY[%(expressions)s]", output_field=grams.output_field)))
    # Contains escapes %, _ and \ in the term (in SQL, as the term is an expression).
    return Q(Contains(text, term))


def with_current_due_at(proposals: QuerySet[Proposal], *, joined: bool = True) -> QuerySet[Proposal]:
    """Annotate `current_due_at`, each proposal's current due date: the due date of the stage it is in now (None
    when no stage runs). For lists and filters; the same dates as current_due_dates_before gives. `joined=False`
    reads the session's deadline in a subquery instead of a join, for a query that only may filter by it."""
    current = Deadline.objects.filter(proposal=OuterRef("pk"), is_current=True).values("due_at")[:1]
    session = Session.objects.filter(pk=OuterRef("session_id")).values("submission_deadline")[:1]
    deadline = F("session__submission_deadline") if joined else Subquery(session)
    return proposals.annotate(current_due_at=Case(When(state=State.READY, then=deadline), default=Subquery(current)))


def with_lead_delegate(proposals: QuerySet[Proposal]) -> QuerySet[Proposal]:
    """Annotate the lead delegate (`lead_delegate_id`, `lead_body`, `lead_first_name`, `lead_last_name`,
    `lead_username`; None without a lead) by one join: a list needs no prefetch of every assignment for it."""
    lead = "lead_assignment__delegate__"
    return proposals.alias(
        lead_assignment=FilteredRelation("assignments", condition=Q(assignments__role=Assignment.Role.LEAD))
    ).annotate(
        lead_delegate_id=F(lead + "id"), lead_body=F(lead + "body"), lead_first_name=F(lead + "user__first_name"),
        lead_last_name=F(lead + "user__last_name"), lead_username=F(lead + "user__username"),
    )  # fmt: skip


# What the API's list shows of a proposal: the list reads these columns and no text.
API_LIST_FIELDS = ("id", "title", "kind", "topic", "state", "revision_number", "version", "updated_at",
                   "organisation__id", "organisation__name", "session__id", "session__name")  # fmt: skip


@dataclass(frozen=True)
class IdPage:
    """A page of a list in the order of the proposals' ids: how many rows it reads, which way, from where."""

    size: int
    newest_first: bool
    start: IdRange | None


# Coordinators whose subtree is read organisation by organisation (`list_page`): a county's (or district's) few
# dozen organisations hold about a hundredth of a province's proposals, so walking the proposals' key would read
# about a hundred rows for each one shown; a city's hundreds hold a tenth, a province's thousands all of them,
# and the walk is cheaper there (bench scenario 8 times both plans for each scope).
READ_BY_ORGANISATION = (Organisation.Level.COUNTY,)


def list_page(user: User, filters: Callable[[QuerySet[Proposal]], QuerySet[Proposal]],
              page: IdPage | None) -> QuerySet[Proposal]:  # fmt: skip
    """The API list's proposals, `filters` applied, for a page in id order (or any order when `page` is None).

    Where the scope is a county's subtree (on PostgreSQL), the page is found first among each organisation's own
    newest `page.size` proposals, read from proposal_by_organisation (organisation, id) from the cursor on: a
    few rows per organisation, whatever the archive's size or the page's depth (#18)."""
    proposals = filters(proposals_for_api(user, ids=page.start if page else None))
    organisation = user.organisation if user.role == User.Role.COORDINATOR and user.organisation_id else None
    if (page is None or organisation is None or organisation.level not in READ_BY_ORGANISATION
            or connection.vendor != "postgresql" or user.is_operator):  # fmt: skip
        return proposals
    own = Proposal.objects.filter(page.start.of("pk")) if page.start else Proposal.objects.all()
    # With what the filters may name (the due date), computed only where one names it: no join of its own.
    own = with_current_due_at(own, joined=False)
    newest = filters(own).filter(organisation_id=OuterRef("pk")).order_by("-pk" if page.newest_first else "pk")
    firsts = Organisation.objects.filter(organisation.subtree_filter()).annotate(
        page=ArraySubquery(newest.values("pk")[: page.size])
    )
    # The page's own ids among them, so that only those are joined with what the list shows.
    unnested = Func(F("page"), function="unnest", output_field=models.BigIntegerField())
    ids = firsts.annotate(proposal=unnested).order_by("-proposal" if page.newest_first else "proposal")
    return proposals.filter(pk__in=ids.values_list("proposal", flat=True)[: page.size])


def proposals_for_api(user: User, *, detail: bool = False, ids: IdRange | None = None) -> QuerySet[Proposal]:
    """The API's proposals: the user's scope, with what the list (or the detail) shows, in a fixed number of
    queries whatever the page size: the list in one, the detail with its assignments, deadlines, handlings and
    the needs it carries (`needs_carried`, without contact details) in a few more. `ids`: the list page's
    range (`proposals_visible_to`)."""
    proposals = with_lead_delegate(with_current_due_at(proposals_visible_to(user, ids)))
    if not detail:
        return proposals.select_related("session", "organisation").only(*API_LIST_FIELDS)
    return proposals.select_related(
        "session", "organisation__parent__parent", "author", "carried_from__session"
    ).prefetch_related(
        Prefetch("assignments", queryset=Assignment.objects.select_related("delegate__user")), "deadlines",
        *HANDLING_PREFETCH, Prefetch("raised_again", queryset=Proposal.objects.select_related("session")),
        Prefetch("needs", queryset=_needs_carried(), to_attr="needs_carried"),
    )  # fmt: skip


def comments_of(proposal: Proposal) -> QuerySet[Comment]:
    return proposal.comments.select_related("author", "revision").order_by("created_at", "pk")


def revisions_of(proposal: Proposal) -> QuerySet[Revision]:
    return proposal.revisions.select_related("author").order_by("number")


def evidence_of(proposal: Proposal) -> QuerySet[Evidence]:
    return proposal.evidence.select_related("uploaded_by", "answer__handling__unit").order_by("uploaded_at", "pk")


def handling_units() -> QuerySet[HandlingUnit]:
    """The directory of handling units, which anyone signed in reads: by name."""
    return HandlingUnit.objects.order_by("name")


def unit_name_search(text: str) -> Q:
    """Units whose name or short name holds the text."""
    return Q(name__icontains=text) | Q(short_name__icontains=text)


def history_of(proposal: Proposal) -> QuerySet[Transition]:
    return proposal.transitions.select_related("actor").order_by("created_at", "pk")


def reminders_of(user: User) -> QuerySet[Reminder]:
    """The reminders planned for and sent to a person, newest due first."""
    return Reminder.objects.filter(recipient=user).select_related("proposal").order_by("-send_after", "-pk")


def notices_of(user: User, *, unread: bool = False) -> QuerySet[Notice]:
    """A person's inbox, newest first, with what each notice's words need (proposals.notice_items)."""
    notices = Notice.objects.filter(recipient=user)
    if unread:
        notices = notices.filter(read_at__isnull=True)
    notices = notices.select_related("transition__actor", "transition__proposal__session")
    return notices.order_by("-created_at", "-pk")


def unread_notice_count(user: User) -> int:
    return Notice.objects.filter(recipient=user, read_at__isnull=True).count()


def proposal_page(user: User, pk: int) -> Proposal | None:
    """One proposal with everything its page shows, in a fixed number of queries; None outside the user's view."""
    queryset = (
        proposals_visible_to(user)
        .select_related("session", "organisation__parent__parent")
        .prefetch_related(
            Prefetch("assignments", queryset=Assignment.objects.select_related("delegate__user")),
            "deadlines",
            Prefetch("evidence", queryset=Evidence.objects.select_related("uploaded_by")),
            Prefetch("comments", queryset=Comment.objects.select_related("author", "revision")),
            Prefetch("transitions", queryset=Transition.objects.select_related("actor")),
            Prefetch("revisions", queryset=Revision.objects.select_related("author")),
            *HANDLING_PREFETCH,
        )
    )
    return queryset.filter(pk=pk).first()


def raised_again_links(user: User, proposal: Proposal) -> tuple[Proposal | None, list[Proposal]]:
    """The earlier proposal this one raises again, and the later ones that raise it again, as far as the person
    may see them (持续呼吁)."""
    visible = proposals_visible_to(user).select_related("session")
    earlier = visible.filter(pk=proposal.carried_from_id).first() if proposal.carried_from_id else None
    if proposal.state not in ACTIONS_BY_NAME["carry_forward"].sources:
        return earlier, []  # never raised again
    return earlier, list(visible.filter(carried_from=proposal).order_by("session__opening_date", "pk"))


def revisions_by_number(proposal: Proposal, numbers: list[int]) -> dict[int, Revision]:
    """Some revisions of a proposal, by their number."""
    return {revision.number: revision for revision in Revision.objects.filter(proposal=proposal, number__in=numbers)}


def evidence_visible_to(user: User) -> QuerySet[Evidence]:
    """Evidence has the scope of its proposal."""
    return Evidence.objects.filter(proposal__in=proposals_visible_to(user))


def _due_before(field: str, proposal: str, before: datetime, supervised_before: datetime | None) -> Q:
    """Due earlier than `before`, or a key supervised item's earlier than `supervised_before` (they are reminded
    sooner). The plain bound on the later one keeps the query a range on the due date's index."""
    if supervised_before is None or supervised_before <= before:
        return Q(**{f"{field}__lt": before})
    supervised = Q(**{f"{proposal}supervised_at__isnull": False})
    return Q(**{f"{field}__lt": supervised_before}) & (Q(**{f"{field}__lt": before}) | supervised)


def current_due_dates_before(
    before: datetime, proposals: QuerySet[Proposal] | None = None, *, supervised_before: datetime | None = None
) -> list[tuple[Proposal, str, datetime]]:
    """The current due dates (each due date of the stage a proposal is in now) earlier than `before` (a key
    supervised item's: than `supervised_before`, when given), earliest first, as (proposal, stage, due date).

    Current Deadline rows (read through their partial index, so the cost follows the open stages, not the
    history), and the session's submission deadline for proposals ready to be tabled. `proposals` narrows them
    to a scope; without it, all. Two queries. The units' answers awaited in handling are open_handlings_due_before.
    """
    deadlines = Deadline.objects.filter(
        _due_before("due_at", "proposal__", before, supervised_before), is_current=True
    ).select_related("proposal")
    ready = Proposal.objects.filter(
        _due_before("session__submission_deadline", "", before, supervised_before), state=State.READY
    )
    if proposals is not None:
        deadlines = deadlines.filter(proposal__in=proposals.values("pk"))
        ready = ready.filter(pk__in=proposals.values("pk"))
    items = [(deadline.proposal, deadline.stage, deadline.due_at) for deadline in deadlines]
    items += [(p, Stage.SUBMISSION.value, p.session.submission_deadline) for p in ready.select_related("session")]
    return sorted(items, key=lambda item: (item[2], item[0].pk))


def open_handlings_due_before(before: datetime, *, supervised_before: datetime | None = None) -> list[Handling]:
    """The units' answers awaited (Handling.status open) of proposals in handling, due earlier than `before` (a key
    supervised item's: than `supervised_before`), earliest first: each is a due date of its own, reminded per unit.

    Read through the partial index handling_open_due, so the cost follows the answers awaited, not the history.
    One query.
    """
    # A day's bound in SQL (the index's range), the moment's (due_at, the day's end of work) on the rows read.
    day, supervised_day = timezone.localdate(before), timezone.localdate(supervised_before or before)
    handlings = Handling.objects.filter(
        Q(due_on__lte=day) | Q(proposal__supervised_at__isnull=False), status=Handling.Status.OPEN,
        proposal__state=State.HANDLING, due_on__lte=max(day, supervised_day),
    )  # fmt: skip
    bound = {True: max(before, supervised_before or before), False: before}
    chosen = [h for h in handlings.select_related("proposal") if h.due_at < bound[h.proposal.supervised_at is not None]]
    return sorted(chosen, key=lambda h: (h.due_at, h.proposal_id, h.pk))


@dataclass(frozen=True)
class CurrentDueDate:
    """A due date that runs now, as the calendar feed reads it."""

    proposal: Proposal
    stage: str
    due_at: datetime
    deadline: Deadline | None = None  # None for submission (the session's deadline) and for a unit's answer
    handling: Handling | None = None  # the unit whose answer is due


def current_due_dates_with_rule_data(proposals: QuerySet[Proposal]) -> list[CurrentDueDate]:
    """Every current due date of these proposals, earliest first: for the calendar feed, which applies the
    reminder rules to each. The stages' (a Deadline row, or the session's submission deadline), and each answer a
    unit owes while the proposal is in handling.

    Unlike current_due_dates_before it has no horizon, and it loads what the reminder rules read of each proposal
    (session, organisations, assignments), in a fixed number of queries.
    """
    scope = proposals.values("pk")
    rule_data = ("proposal__session", "proposal__organisation__parent__parent")
    deadlines = Deadline.objects.filter(is_current=True, proposal__in=scope).select_related(*rule_data)
    deadlines = deadlines.prefetch_related("proposal__assignments__delegate__user")
    handlings = Handling.objects.filter(status=Handling.Status.OPEN, proposal__state=State.HANDLING, proposal__in=scope)
    handlings = handlings.select_related("unit", *rule_data).prefetch_related("proposal__assignments__delegate__user")
    ready = proposals_with_workflow_data(Proposal.objects.filter(pk__in=scope, state=State.READY))
    items = [CurrentDueDate(d.proposal, d.stage, d.due_at, deadline=d) for d in deadlines]
    items += [CurrentDueDate(p, Stage.SUBMISSION.value, p.session.submission_deadline) for p in ready]
    items += [CurrentDueDate(h.proposal, Stage.ANSWER.value, h.due_at, handling=h) for h in handlings]
    return sorted(
        items, key=lambda item: (item.due_at, item.proposal.pk, item.stage, item.handling.pk if item.handling else 0)
    )


def proposals_for_export(proposals: QuerySet[Proposal]) -> QuerySet[Proposal]:
    """What a spreadsheet of these proposals shows (current due date, organisation, session, lead delegate, the
    units' handling and the proposal it raises again), in a fixed number of queries for each chunk of rows."""
    if "current_due_at" not in proposals.query.annotations:
        proposals = with_current_due_at(proposals)
    return proposals.select_related("organisation", "session", "carried_from__session").prefetch_related(
        "assignments__delegate__user", *HANDLING_PREFETCH
    )


def proposal_for_document(user: User, pk: int) -> Proposal | None:
    """One proposal with what its .docx reads (session, organisation, delegates); None outside the user's view."""
    return proposals_with_workflow_data(proposals_visible_to(user)).filter(pk=pk).first()


def proposals_for_document_export(user: User, *, session: Session, organisation: Organisation) -> QuerySet[Proposal]:
    """A batch export's proposals: the session's, of the organisation and everything below it, that the user may
    see, with what their documents and the index read, in a fixed number of queries for each chunk of rows."""
    return (
        proposals_visible_to(user)
        .filter(organisation.subtree_filter("organisation__"), session=session)
        .select_related("session", "organisation", "carried_from__session")
        .prefetch_related(
            Prefetch("assignments", queryset=Assignment.objects.select_related("delegate__user")), *HANDLING_PREFETCH
        )
        .order_by("organisation__name", "reference_number", "pk")
    )


def document_exports_of(user: User) -> QuerySet[DocumentExport]:
    """The batch exports a person asked for, newest first; nobody sees anyone else's."""
    if not user.is_authenticated:
        return DocumentExport.objects.none()
    return DocumentExport.objects.filter(requested_by=user).select_related("session", "organisation")


# --- Young people's needs (#16) -------------------------------------------------------------------------

# What anyone who sees a proposal may read of the needs it carries: never who raised them.
NEED_PUBLIC_FIELDS = ("id", "summary", "details", "topic", "people_count", "channel", "theme", "county__name")


def needs_visible_to(user: User) -> QuerySet[Need]:
    """The needs a person sees, contact details and all: those of the organisations they steer (secretaries:
    their own; coordinators: their subtree; operators: all). Delegates see none (permissions.triage_needs)."""
    return Need.objects.filter(organisation__in=organisations_in_scope(user)).select_related("organisation", "county")


def _needs_carried() -> QuerySet[Need]:
    return Need.objects.filter(status=Need.Status.ACCEPTED).select_related("county").only(*NEED_PUBLIC_FIELDS)


def need_counties(near: Organisation | None = None) -> QuerySet[Organisation]:
    """The counties and districts a need may name (the pickers of the public page and of recording), in the
    official order: those of the city `near` belongs to, since a young person in Shuozhou names one of
    Shuozhou's; every one for a province committee or without `near`."""
    counties = Organisation.objects.filter(level=Organisation.Level.COUNTY)
    if near is not None:
        city = next((o for o in [*near.ancestors(), near] if o.level == Organisation.Level.CITY), None)
        if city is not None:
            counties = counties.filter(city.subtree_filter())
    return in_tree_order(counties)


def needs_carried_by(proposal: Proposal) -> QuerySet[Need]:
    """The accepted needs a proposal carries, with how many people raised them: no contact details, so that the
    proposal's every reader may see them."""
    return _needs_carried().filter(proposals=proposal)


def need_outcomes(need: Need) -> QuerySet[Proposal]:
    """The proposals a need led to, with their sessions and the units' answers: what came of it."""
    return (
        need.proposals.select_related("session")
        .prefetch_related(*HANDLING_PREFETCH)
        .order_by("-session__opening_date", "pk")
    )


# --- Face-to-face meetings (#16) ------------------------------------------------------------------------


def meetings_visible_to(user: User) -> QuerySet[Meeting]:
    """The meetings a person sees: those their organisations held (as the needs: secretaries their own,
    coordinators their subtree, operators all), and for a delegate those they attended."""
    meetings = Meeting.objects.select_related("organisation")
    if user.is_authenticated and user.role == User.Role.DELEGATE and not user.is_operator:
        return meetings.filter(delegates__user=user)
    return meetings.filter(organisation__in=organisations_in_scope(user))


def meetings_of(proposal: Proposal) -> QuerySet[Meeting]:
    """The meetings that discussed a proposal, for its timeline: what anyone who sees the proposal may read."""
    return proposal.meetings.select_related("organisation").order_by("starts_at", "pk")


def meetings_of_for(user: User, proposal: Proposal) -> list[Meeting]:
    """meetings_of, each with `may_open`: whether the person may open the meeting's own page. One query."""
    visible = meetings_visible_to(user).filter(pk=OuterRef("pk"))
    return list(meetings_of(proposal).annotate(may_open=Exists(visible)))


def meetings_attended_by(user: User, *, since: datetime) -> QuerySet[Meeting]:
    """The meetings a delegate attends from `since` on, for their calendar feed."""
    return Meeting.objects.filter(delegates__user=user, starts_at__gte=since).select_related("organisation")


# --- What a representation depends on (the API's ETags, #18) ---------------------------------------------
#
# A client that polls sends back the ETag it holds; the API answers 304 when nothing the body would show has
# changed, without building the body. So the key below must change whenever the body could: if it left out
# something the body shows, the client would keep a stale copy. Every service write that changes the proposal
# or its rows (text, comments, evidence, assignments, deadlines, transitions, the units' handling) bumps
# Proposal.version; what the body shows without a service touching the proposal is read here beside it: the
# names of the organisation, the session, the people and the units it names, the needs it carries, the later
# proposals that raise it again, the session's deadline passing (which changes the actions allowed), and who
# asks. The language, the address and the media type of the answer are the API's to add (api/conditional.py).


def _joined(tables: str, where: str, *columns: str) -> RawSQL:
    """One text of `columns` of the rows of `tables` that `where` ties to the proposal, in the rows' order: a
    correlated subquery written out, since the ORM spends longer composing the same one than the database
    takes to run it. Plain SQL that PostgreSQL and SQLite both read, but for the aggregate's name."""
    row = " || ':' || ".join(f"COALESCE(CAST({column} AS TEXT), '')" for column in columns)
    if connection.vendor == "postgresql":
        aggregate = f"STRING_AGG({row}, ',' ORDER BY {row})"
    else:
        aggregate = f"GROUP_CONCAT({row}, ',')"
    return RawSQL(f"SELECT {aggregate} FROM {tables} WHERE {where}", (), output_field=models.TextField())


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _key_subqueries() -> dict[str, RawSQL]:
    proposal = f"{_table(Proposal)}.id"  # the outer query's proposal
    person = ("u.id", "u.first_name", "u.last_name", "u.username")
    return {
        "key_people": _joined(
            f"{_table(Assignment)} a JOIN {_table(Delegate)} d ON d.id = a.delegate_id "
            f"JOIN {_table(User)} u ON u.id = d.user_id", f"a.proposal_id = {proposal}", *person, "d.body"),
        "key_units": _joined(
            f"{_table(Handling)} h JOIN {_table(HandlingUnit)} hu ON hu.id = h.unit_id",
            f"h.proposal_id = {proposal}", "hu.id", "hu.name", "hu.short_name", "hu.level"),
        "key_raters": _joined(
            f"{_table(AnswerRating)} r JOIN {_table(Answer)} an ON an.id = r.answer_id "
            f"JOIN {_table(Handling)} h ON h.id = an.handling_id LEFT JOIN {_table(User)} u ON u.id = r.rater_id",
            f"h.proposal_id = {proposal}", "r.id", *person),
        "key_needs": _joined(
            f"{_table(Need.proposals.through)} np JOIN {_table(Need)} n ON n.id = np.need_id",
            f"np.proposal_id = {proposal}", "n.id", "n.status", "n.updated_at"),
        # The session's name by a subquery of its own: as a join, SQLite scanned the proposals from the sessions.
        "key_raised_again": _joined(
            f"{_table(Proposal)} later", f"later.carried_from_id = {proposal}", "later.id", "later.version",
            f"(SELECT ls.name FROM {_table(Session)} ls WHERE ls.id = later.session_id)"),
    }  # fmt: skip


# The proposal's own columns in the key: the version stands for everything the services change.
DETAIL_KEY_COLUMNS = (
    "version", "organisation__name", "organisation__path", "session__name", "session__submission_deadline",
    "session__closing_date", "session__required_motion_cosigners", "author__first_name", "author__last_name",
    "author__username", "carried_from__title", "carried_from__version", "carried_from__session__name",
)  # fmt: skip


def proposal_representation_key(user: User, proposal_id: int, *, now: datetime | None = None) -> tuple | None:
    """What the API's detail of a proposal for this user shows, read in one query, as a tuple that changes
    whenever the detail could; None when the proposal is not in the user's scope."""
    row = (
        proposals_visible_to(user)
        .filter(pk=proposal_id)
        .annotate(**_key_subqueries())
        .values_list(*DETAIL_KEY_COLUMNS, "key_people", "key_units", "key_raters", "key_needs", "key_raised_again")
        .order_by()[:1]
    )
    row = next(iter(row), None)
    if row is None:
        return None
    deadline = row[DETAIL_KEY_COLUMNS.index("session__submission_deadline")]
    deadline_passed = (now or timezone.now()) > deadline
    return (*row, deadline_passed, *caller_key(user))


def caller_key(user: User) -> tuple:
    """Who asks, as far as a proposal's representation depends on it: their roles come from their account's
    role and organisation (and for a delegate, their assignments, which are the proposal's)."""
    return (user.pk, user.role, user.organisation_id, user.is_superuser)


# What the API's list shows of a proposal beyond its version (which the services bump), for a page's ETag,
# and the columns a page's cursor reads (the list's ordering fields).
# (current_due_at: a proposal that is ready shows its session's submission deadline, which no service of it sets.)
LIST_KEY_COLUMNS = ("id", "version", "organisation__name", "session__name", "lead_delegate_id", "lead_body",
                    "lead_first_name", "lead_last_name", "lead_username", "current_due_at")  # fmt: skip
LIST_CURSOR_COLUMNS = ("created_at", "updated_at", "title")


def proposal_list_row_key(row: Proposal | dict) -> tuple:
    """One row of a list page as its ETag sees it: from the page's proposals, or from the dicts of
    `proposals.values(*LIST_KEY_COLUMNS, *LIST_CURSOR_COLUMNS)` (the same rows, built without a body)."""
    if isinstance(row, dict):
        return tuple(row[column] for column in LIST_KEY_COLUMNS)
    return tuple(_LIST_KEY_GETTERS[column](row) for column in LIST_KEY_COLUMNS)


_LIST_KEY_GETTERS = {column: attrgetter(column.replace("__", ".")) for column in LIST_KEY_COLUMNS}
