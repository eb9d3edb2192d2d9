"""Scoped reads: what each person may see (DESIGN §2), in one place for every caller."""

from __future__ import annotations

import re
from datetime import date, datetime

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.lookups import DataContains
from django.db import connection, models
from django.db.models import (
    Case,
    CharField,
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
from django.db.models.functions import ExtractYear, Upper
from django.db.models.lookups import Contains
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from proposals.models import (
    Assignment,
    Comment,
    Deadline,
    Delegate,
    DelegateRequest,
    DocumentExport,
    Evidence,
    HandlingUnit,
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
from proposals.workflow import ActionOption, GuardContext, Role, State, action_options, main_path_from


def organisations_in_scope(user: User) -> QuerySet[Organisation]:
    """The organisations whose proposals the user steers: their own, and for coordinators everything below."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    if user.is_operator:
        return Organisation.objects.all()
    if user.organisation_id is None:
        return Organisation.objects.none()
    if user.role == User.Role.COORDINATOR:
        return Organisation.objects.filter(Organisation(pk=user.organisation_id).subtree_filter())
    if user.role == User.Role.SECRETARY:
        return Organisation.objects.filter(pk=user.organisation_id)
    return Organisation.objects.none()


# Among the organisations under one parent, the official order the operator sets, then the name.
OFFICIAL_ORDER = ("position", "name")
TREE_DEPTH = {Organisation.Level.CITY: 0, Organisation.Level.COUNTY: 1, Organisation.Level.BRANCH: 2}


def in_tree_order(organisations: QuerySet[Organisation]) -> QuerySet[Organisation]:
    """Each city committee, then each of its counties in the official order, each followed by its branches: the
    order of every organisation picker (which indents them by TREE_DEPTH)."""
    city, county = Organisation.Level.CITY, Organisation.Level.COUNTY

    def by_level(on_city, on_county, on_branch, output_field):
        return Case(When(level=city, then=on_city), When(level=county, then=on_county), default=on_branch,
                    output_field=output_field)  # fmt: skip

    number, text = IntegerField(), CharField()

    return organisations.annotate(
        tree_city_position=by_level(F("position"), F("parent__position"), F("parent__parent__position"), number),
        tree_city_name=by_level(F("name"), F("parent__name"), F("parent__parent__name"), text),
        tree_county_position=by_level(Value(-1), F("position"), F("parent__position"), number),
        tree_county_name=by_level(Value(""), F("name"), F("parent__name"), text),
        tree_branch_position=by_level(Value(-1), Value(-1), F("position"), number),
    ).order_by("tree_city_position", "tree_city_name", "tree_county_position", "tree_county_name",
               "tree_branch_position", "name")  # fmt: skip


def proposals_visible_to(user: User) -> QuerySet[Proposal]:
    """Every proposal the user may see. Anything outside it does not exist for them."""
    proposals = Proposal.objects.all()
    if not user.is_authenticated:
        return proposals.none()
    if user.is_operator:
        return proposals
    if user.role == User.Role.DELEGATE:
        assigned = Assignment.objects.filter(proposal=OuterRef("pk"), delegate__user=user)
        return proposals.filter(Exists(assigned))
    if user.role == User.Role.COORDINATOR and user.organisation_id:
        # The filter needs only the id: loading the organisation would cost every request a query.
        return proposals.filter(Organisation(pk=user.organisation_id).subtree_filter("organisation__"))
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
    """The secretary's request for delegates that no lead delegate has answered yet, if there is one."""
    requests = proposal.delegate_requests.filter(answered_at__isnull=True)
    return requests.select_related("requested_by").prefetch_related("wanted__user").first()


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


def cities_in_scope(user: User) -> QuerySet[Organisation]:
    """The city committees in the user's scope, whose own proposals (filed at city level, in no county) their
    statistics show beside the counties."""
    return organisations_in_scope(user).filter(level=Organisation.Level.CITY)


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


# Reached registration, an answer, a rating: the states a proposal is in once it got that far.
REGISTERED_OR_LATER = main_path_from(State.REGISTERED)
ANSWERED_OR_LATER = main_path_from(State.ANSWERED)
SATISFIED_RATINGS = (Proposal.Rating.SATISFIED, Proposal.Rating.BASICALLY_SATISFIED)

# How far a proposal got, whenever it happened: the one definition of each figure, which the statistics' rates
# (proposals.reporting.statistics.rates) and the year review's milestones (milestone_filter) both count with.
REACHED_REGISTRATION = Q(state__in=REGISTERED_OR_LATER)
NOT_REGISTERED = Q(state=State.NOT_REGISTERED)
REACHED_ANSWER = Q(state__in=ANSWERED_OR_LATER)
RATED = ~Q(rating="")
RATED_SATISFIED = Q(rating__in=SATISFIED_RATINGS)


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


def with_current_due_at(proposals: QuerySet[Proposal]) -> QuerySet[Proposal]:
    """Annotate `current_due_at`, each proposal's current due date: the due date of the stage it is in now (None
    when no stage runs). For lists and filters; the same dates as current_due_dates_before gives."""
    current = Deadline.objects.filter(proposal=OuterRef("pk"), is_current=True).values("due_at")[:1]
    return proposals.annotate(
        current_due_at=Case(When(state=State.READY, then=F("session__submission_deadline")), default=Subquery(current))
    )


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


def proposals_for_api(user: User, *, detail: bool = False) -> QuerySet[Proposal]:
    """The API's proposals: the user's scope, with what the list (or the detail) shows, in a fixed number of
    queries whatever the page size: the list in one, the detail with its assignments and deadlines in three."""
    proposals = with_lead_delegate(with_current_due_at(proposals_visible_to(user)))
    if not detail:
        return proposals.select_related("session", "organisation").only(*API_LIST_FIELDS)
    return proposals.select_related(
        "session", "organisation__parent__parent", "author", "carried_from__session"
    ).prefetch_related(
        Prefetch("assignments", queryset=Assignment.objects.select_related("delegate__user")), "deadlines",
        *HANDLING_PREFETCH, Prefetch("raised_again", queryset=Proposal.objects.select_related("session")),
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
        )
    )
    return queryset.filter(pk=pk).first()


def revisions_by_number(proposal: Proposal, numbers: list[int]) -> dict[int, Revision]:
    """Some revisions of a proposal, by their number."""
    return {revision.number: revision for revision in Revision.objects.filter(proposal=proposal, number__in=numbers)}


def evidence_visible_to(user: User) -> QuerySet[Evidence]:
    """Evidence has the scope of its proposal."""
    return Evidence.objects.filter(proposal__in=proposals_visible_to(user))


def current_due_dates_before(
    before: datetime, proposals: QuerySet[Proposal] | None = None
) -> list[tuple[Proposal, str, datetime]]:
    """The current due dates (each due date of the stage a proposal is in now) earlier than `before`, earliest
    first, as (proposal, stage, due date).

    Current Deadline rows (read through their partial index, so the cost follows the open stages, not the
    history), and the session's submission deadline for proposals ready to be tabled. `proposals` narrows them
    to a scope; without it, all. Two queries.
    """
    deadlines = Deadline.objects.filter(is_current=True, due_at__lt=before).select_related("proposal")
    ready = Proposal.objects.filter(state=State.READY, session__submission_deadline__lt=before)
    if proposals is not None:
        deadlines = deadlines.filter(proposal__in=proposals.values("pk"))
        ready = ready.filter(pk__in=proposals.values("pk"))
    items = [(deadline.proposal, deadline.stage, deadline.due_at) for deadline in deadlines]
    items += [(p, Stage.SUBMISSION.value, p.session.submission_deadline) for p in ready.select_related("session")]
    return sorted(items, key=lambda item: (item[2], item[0].pk))


def current_due_dates_with_rule_data(
    proposals: QuerySet[Proposal],
) -> list[tuple[Proposal, str, datetime, Deadline | None]]:
    """Every current due date of these proposals, earliest first, as (proposal, stage, due date, Deadline row):
    for the calendar feed, which applies the reminder rules to each. The row is None for submission, which is
    due at the session's deadline.

    Unlike current_due_dates_before it has no horizon, and it loads what the reminder rules read of each proposal
    (session, organisations, assignments), in a fixed number of queries.
    """
    deadlines = Deadline.objects.filter(is_current=True, proposal__in=proposals.values("pk")).select_related(
        "proposal__session", "proposal__organisation__parent__parent"
    )
    deadlines = deadlines.prefetch_related("proposal__assignments__delegate__user")
    ready = proposals_with_workflow_data(Proposal.objects.filter(pk__in=proposals.values("pk"), state=State.READY))
    items = [(deadline.proposal, deadline.stage, deadline.due_at, deadline) for deadline in deadlines]
    items += [(p, Stage.SUBMISSION.value, p.session.submission_deadline, None) for p in ready]
    return sorted(items, key=lambda item: (item[2], item[0].pk, item[1]))


def proposals_for_export(proposals: QuerySet[Proposal]) -> QuerySet[Proposal]:
    """What a spreadsheet of these proposals shows (current due date, organisation, session, lead delegate),
    in a fixed number of queries for each chunk of rows."""
    if "current_due_at" not in proposals.query.annotations:
        proposals = with_current_due_at(proposals)
    return proposals.select_related("organisation", "session").prefetch_related("assignments__delegate__user")


def proposal_for_document(user: User, pk: int) -> Proposal | None:
    """One proposal with what its .docx reads (session, organisation, delegates); None outside the user's view."""
    return proposals_with_workflow_data(proposals_visible_to(user)).filter(pk=pk).first()


def proposals_for_document_export(user: User, *, session: Session, organisation: Organisation) -> QuerySet[Proposal]:
    """A batch export's proposals: the session's, of the organisation and everything below it, that the user may
    see, with what their documents read, in a fixed number of queries for each chunk of rows."""
    return (
        proposals_visible_to(user)
        .filter(organisation.subtree_filter("organisation__"), session=session)
        .select_related("session", "organisation")
        .prefetch_related(Prefetch("assignments", queryset=Assignment.objects.select_related("delegate__user")))
        .order_by("organisation__name", "reference_number", "pk")
    )


def document_exports_of(user: User) -> QuerySet[DocumentExport]:
    """The batch exports a person asked for, newest first; nobody sees anyone else's."""
    if not user.is_authenticated:
        return DocumentExport.objects.none()
    return DocumentExport.objects.filter(requested_by=user).select_related("session", "organisation")
