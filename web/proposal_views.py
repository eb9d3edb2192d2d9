"""The proposal pages of secretaries and coordinators: list, draft, edit, the proposal itself and its parts.

Views parse input, call a service or a selector, and render. Business rules live in proposals.services.
"""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from proposals import permissions, selectors, services, uploads
from proposals.diffs import text_diffs
from proposals.forms import AssignDelegateForm
from proposals.models import Proposal, Revision
from proposals.workflow import ACTIONS_BY_NAME, EDITABLE_STATES, TransitionRefused, log_label
from tracker.media import download_response
from web.forms import (
    ActionForm,
    AnswerLetterForm,
    CompareForm,
    DeadlineForm,
    DelegateRequestForm,
    EvidenceChangeForm,
    EvidenceForm,
    ProposalCreateForm,
    ProposalFilterForm,
    ProposalTextForm,
)

PAGE_SIZE = 25
# Actions whose note is optional but worth offering: an endorsement's becomes a comment in the thread, a
# rating's is its comment.
NOTE_OPTIONAL_ACTIONS = frozenset({"endorse", "rate"})


def _proposal_or_404(user, pk: int) -> Proposal:
    proposal = selectors.proposal_page(user, pk)
    if proposal is None:
        raise Http404
    return proposal


# --- List, create, edit -------------------------------------------------------------------------------


def filtered_proposals(request) -> tuple[ProposalFilterForm, QuerySet[Proposal]]:
    """The list page's filters from the query string, and the proposals they select (none when invalid)."""
    form = ProposalFilterForm(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid():
        return form, selectors.proposals_visible_to(request.user).none()
    arguments = form.selector_arguments() if form.is_bound else {}
    return form, selectors.proposals_matching(request.user, **arguments)


@login_required
@require_GET
def proposal_list(request):
    form, proposals = filtered_proposals(request)
    page = Paginator(proposals, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "may_create": selectors.organisations_in_scope(request.user).exists(),
    }
    # Invalid filters list nothing: 400 says so to anything that reads the status, not only to a person.
    return render(request, "web/proposal_list.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def proposal_create(request):
    if not selectors.steers_organisations(request.user):
        raise PermissionDenied  # delegates review proposals; they do not draft them
    source, source_id = None, request.GET.get("from", "")
    if source_id.isascii() and source_id.isdigit() and len(source_id) <= 9:  # a key PostgreSQL can hold; else none
        source = selectors.proposals_visible_to(request.user).filter(pk=int(source_id)).first()
    form = ProposalCreateForm(request.POST or None, user=request.user, source=source)
    if request.method == "POST" and form.is_valid():
        proposal = form.apply()
        if proposal is not None:
            messages.success(request, _("The draft is saved."))
            return redirect("proposal-open", pk=proposal.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "web/proposal_form.html", {"form": form, "creating": True}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def proposal_edit(request, pk: int):
    """Edit the text. What others saved since the editor opened the page is merged field by field; a field both
    changed is shown side by side with a choice, the editor's own text kept."""
    proposal = get_object_or_404(selectors.proposals_visible_to(request.user), pk=pk)
    status = 200
    if request.method == "POST":
        form = ProposalTextForm(request.POST)
        status = 400
        if form.is_valid():
            saved = form.apply(proposal, request.user)
            if saved is not None:
                messages.success(request, _("The text is saved."))
                return redirect("proposal-open", pk=proposal.pk)
            if form.conflict is not None:
                form, status = form.after_conflict(), 409
    else:
        initial = {name: getattr(proposal, name) for name in Revision.TEXT_FIELDS}
        form = ProposalTextForm(initial=initial | {"base_revision": proposal.revision_number})
    context = {
        "form": form,
        "proposal": proposal,
        "creating": False,
        "conflicting": _conflicting_fields(form, proposal),
        "saved_since": _saved_since(form.conflict, request.user),
        "frozen": proposal.state not in EDITABLE_STATES,
    }
    return render(request, "web/proposal_form.html", context, status=status)


def _conflicting_fields(form: ProposalTextForm, proposal: Proposal) -> list[dict]:
    """Each field both sides changed: the saved text beside the editor's, and the choice between them."""
    if form.conflict is None:
        return []
    return [
        {"field": form[name], "saved": getattr(proposal, name), "choice": form[f"resolve_{name}"]}
        for name in form.conflict.fields
    ]


def _saved_since(conflict, user) -> dict | None:
    """Who saved the text since the editor started: others by name, or the editor in another tab."""
    if conflict is None:
        return None
    others = list(dict.fromkeys(author.display_name for author in conflict.authors if author.pk != user.pk))
    return {"names": str(_(", ")).join(others), "self_only": not others, "revision": conflict.revision}


# --- The proposal page --------------------------------------------------------------------------------


def _action_form(action_name: str, proposal: Proposal, user, data=None) -> ActionForm:
    return ActionForm(data, auto_id=f"id_%s-{action_name}", proposal=proposal, user=user, action=action_name,
                      initial={"action": action_name, "expected_version": proposal.version})  # fmt: skip


def _page(request, proposal: Proposal, *, status: int = 200, **forms):
    """Render the proposal page; `forms` replaces a blank form with the bound one that failed."""
    user = request.user
    may = permissions.capabilities(user, proposal)
    failed_action = forms.get("action_form")
    actions, comment_form, refused = [], None, []
    for option in may.actions:
        name = option.action.name
        if not option.allowed:
            refused.append(option)
            continue
        form = failed_action if failed_action is not None and failed_action.data.get("action") == name else None
        form = form or _action_form(name, proposal, user)
        item = {
            "option": option,
            "form": form,
            "inputs": [form[action_input.name] for action_input in option.action.inputs],
            "show_note": option.action.note_required or name in NOTE_OPTIONAL_ACTIONS,
        }
        if name == "comment":
            comment_form = item
        else:
            actions.append(item)
    open_request = selectors.open_delegate_request(proposal) if may.request_delegates.allowed else None
    revisions = list(proposal.revisions.all())
    numbers = [revision.number for revision in revisions]
    compare_initial = {"a": numbers[-2] if len(numbers) > 1 else numbers[0], "b": numbers[-1]} if numbers else {}
    timeline = [(transition, log_label(transition.action)) for transition in proposal.transitions.all()]
    raises_again, raised_again = selectors.raised_again_links(user, proposal)
    alerts = []
    for form in forms.values():
        if form is not None and form.is_bound:
            alerts.extend(form.non_field_errors())
            if form.errors and not form.non_field_errors():
                alerts.append(_("Please correct the marked fields below."))
    context = {
        "proposal": proposal,
        "actions": actions,
        "comment_form": comment_form,
        "refused": refused,
        "alerts": alerts,
        "failed_action": failed_action.data.get("action") if failed_action is not None else None,
        "submission_due": proposal.session.submission_deadline,
        "deadlines": list(proposal.deadlines.all()),
        "may_edit": may.edit_text.allowed,
        "deadline_form": (
            forms.get("deadline_form") or DeadlineForm.starting_from(proposal) if may.may_move_a_deadline else None
        ),
        "evidence_form": (forms.get("evidence_form") or EvidenceForm()) if may.add_evidence.allowed else None,
        # Answer letters show under their answers; the evidence list is the research's.
        "research_evidence": [evidence for evidence in proposal.evidence.all() if evidence.answer_id is None],
        "handlings": selectors.handlings_shown(proposal),
        "letter_form": (
            forms.get("letter_form") or AnswerLetterForm(prefix="letter", proposal=proposal)
            if may.add_answer_letter.allowed
            else None
        ),
        "raises_again": raises_again,
        "raised_again": raised_again,
        "may_change_evidence": may.change_evidence.allowed,
        "assign_form": (
            forms.get("assign_form") or AssignDelegateForm(prefix="assign", proposal=proposal, user=user)
            if may.assign_delegate.allowed
            else None
        ),
        "open_request": open_request,
        # A secretary asks; whoever may assign does so directly.
        "request_form": (
            forms.get("request_form") or DelegateRequestForm(prefix="request", proposal=proposal)
            if may.request_delegates.allowed and open_request is None and not may.assign_delegate.allowed
            else None
        ),
        "revisions": revisions,
        "compare_form": CompareForm(initial=compare_initial, numbers=numbers) if len(numbers) > 1 else None,
        "timeline": timeline,
        # The needs it carries (#16), without contact details: every reader of the proposal may see them.
        "carried_needs": list(selectors.needs_carried_by(proposal)),
        # The face-to-face meetings that discussed it, each opened by who may see it (its organisers, its delegates).
        "meetings": selectors.meetings_of_for(request.user, proposal),
    }
    return render(request, "web/proposal.html", context, status=status)


@login_required
@require_GET
def proposal_open(request, pk: int):
    """The proposal as the signed-in person may see it, and what they may do now (also the stable link in mails)."""
    return _page(request, _proposal_or_404(request.user, pk))


@login_required
@require_POST
def proposal_act(request, pk: int):
    proposal = _proposal_or_404(request.user, pk)
    action = request.POST.get("action", "")
    if action not in ACTIONS_BY_NAME:
        messages.error(request, _("There is no such action."))
        return redirect("proposal-open", pk=pk)
    form = _action_form(action, proposal, request.user, request.POST)
    if form.is_valid():
        spec = ACTIONS_BY_NAME[action]
        if form.apply(proposal, request.user) is not None:
            messages.success(request, spec.done)
            return redirect("proposal-open", pk=pk)
    # Show the page as it is now, with the user's input kept (the form carries the current version).
    return _page(request, _proposal_or_404(request.user, pk), status=400, action_form=form)


def _submitted(request, pk: int, form_name: str, form, save, done: str):
    """A side form of the proposal page posted: when `save` succeeds, back to the page saying `done`; else the
    page again with the bound form and its errors (status 400)."""
    if form.is_valid() and save() is not None:
        messages.success(request, done)
        return redirect("proposal-open", pk=pk)
    return _page(request, _proposal_or_404(request.user, pk), status=400, **{form_name: form})


@login_required
@require_POST
def proposal_deadline(request, pk: int):
    proposal = _proposal_or_404(request.user, pk)
    form = DeadlineForm(request.POST, prefix="deadline")
    return _submitted(
        request, pk, "deadline_form", form, partial(form.apply, proposal, request.user), _("The deadline is moved.")
    )


@login_required
@require_POST
def proposal_assign(request, pk: int):
    form = AssignDelegateForm(request.POST, prefix="assign", proposal=_proposal_or_404(request.user, pk),
                              user=request.user)  # fmt: skip
    return _submitted(request, pk, "assign_form", form, form.apply, _("The delegate is assigned."))


@login_required
@require_POST
def proposal_request_delegates(request, pk: int):
    proposal = _proposal_or_404(request.user, pk)
    form = DelegateRequestForm(request.POST, prefix="request", proposal=proposal)
    return _submitted(
        request,
        pk,
        "request_form",
        form,
        partial(form.apply, proposal, request.user),
        _("Your request is sent to the coordinators."),
    )


@login_required
@require_POST
def evidence_change(request, pk: int):
    """Remove a piece of evidence, or replace its file (the button pressed says which)."""
    evidence = get_object_or_404(selectors.evidence_visible_to(request.user), pk=pk)
    form = EvidenceChangeForm(request.POST, request.FILES)
    replacing = request.POST.get("change") == EvidenceChangeForm.REPLACE
    done = _("The file is replaced.") if replacing else _("The evidence is removed; its file is deleted.")
    return _submitted(request, evidence.proposal_id, "evidence_change_form", form,
                      partial(form.apply, evidence, request.user), done)  # fmt: skip


@login_required
@require_POST
def evidence_upload(request, pk: int):
    proposal = _proposal_or_404(request.user, pk)
    form = EvidenceForm(request.POST, request.FILES, too_large=uploads.upload_refused(request))
    return _submitted(
        request, pk, "evidence_form", form, partial(form.apply, proposal, request.user), _("The file is attached.")
    )


@login_required
@require_POST
def answer_letter_upload(request, pk: int):
    proposal = _proposal_or_404(request.user, pk)
    form = AnswerLetterForm(request.POST, request.FILES, prefix="letter", proposal=proposal,
                            too_large=uploads.upload_refused(request))  # fmt: skip
    return _submitted(
        request, pk, "letter_form", form, partial(form.apply, proposal, request.user),
        _("The answer letter is attached."),
    )  # fmt: skip


@login_required
@require_GET
def evidence_download(request, pk: int):
    evidence = get_object_or_404(selectors.evidence_visible_to(request.user), pk=pk)
    return download_response(evidence.file, filename=evidence.original_name, content_type=evidence.content_type)


@login_required
@require_GET
def proposal_compare(request, pk: int):
    proposal = get_object_or_404(selectors.proposals_visible_to(request.user), pk=pk)
    numbers = list(range(1, proposal.revision_number + 1))
    form = CompareForm(request.GET or None, numbers=numbers)
    if form.is_bound and form.is_valid():
        a, b = form.cleaned_data["a"], form.cleaned_data["b"]
    else:
        a, b = max(1, proposal.revision_number - 1), proposal.revision_number
        form = CompareForm(initial={"a": a, "b": b}, numbers=numbers)
    revisions = selectors.revisions_by_number(proposal, [a, b])
    if a not in revisions or b not in revisions:
        raise Http404
    context = {
        "proposal": proposal,
        "form": form,
        "old": revisions[a],
        "new": revisions[b],
        "diffs": text_diffs(revisions[a], revisions[b]),
    }
    return render(request, "web/proposal_compare.html", context)


@login_required
@require_POST
def proposal_unassign(request, pk: int, assignment_id: int):
    """A coordinator removes a delegate before submission (the button beside each on the delegates' list)."""
    proposal = _proposal_or_404(request.user, pk)
    try:
        services.delegate_unassign(proposal_id=proposal.pk, actor=request.user, assignment_id=assignment_id)
    except TransitionRefused as refused:
        messages.error(request, refused.message)
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, _("The delegate is unassigned."))
    return redirect("proposal-open", pk=pk)
