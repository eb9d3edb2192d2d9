"""The pages mails link to, and the sign-in around them. The secretaries' full web UI is a separate piece of work."""

from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import translation
from django.views.decorators.http import require_http_methods

from proposals import services
from proposals.forms import PreferencesForm
from proposals.models import User
from proposals.reminders import PREFERENCES_SALT
from proposals.selectors import proposal_action_options, proposals_visible_to, proposals_with_workflow_data

# A preferences link in a mail stays valid this long; the next reminder brings a fresh one.
PREFERENCES_LINK_MAX_AGE = 60 * 60 * 24 * 90


@login_required
def home(request):
    """Everyone's starting point: the proposals they may see, the latest first."""
    proposals = proposals_visible_to(request.user).select_related("organisation", "session")[:100]
    return render(request, "web/home.html", {"proposals": proposals})


@login_required
def proposal_open(request, pk: int):
    """The stable link in mails: the proposal as the signed-in person may see it, and what they may do now."""
    queryset = proposals_with_workflow_data(proposals_visible_to(request.user)).prefetch_related(
        "deadlines", "evidence", "comments__author", "transitions__actor"
    )
    proposal = get_object_or_404(queryset, pk=pk)
    context = {
        "proposal": proposal,
        "options": proposal_action_options(user=request.user, proposal=proposal),
        "submission_due": proposal.session.submission_deadline,
    }
    return render(request, "web/proposal.html", context)


@require_http_methods(["GET", "POST"])
def reminder_preferences(request, token: str):
    """Immediate mails or one daily digest, the hour, the language: reached from a signed link, no login."""
    try:
        user_id = signing.loads(token, salt=PREFERENCES_SALT, max_age=PREFERENCES_LINK_MAX_AGE)
    except signing.BadSignature:
        raise Http404 from None
    user = get_object_or_404(User, pk=user_id, is_active=True)
    saved = False
    form = PreferencesForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        saved = form.run_service(lambda: services.user_update_preferences(user=user, **form.cleaned_data)) is not None
    with translation.override(user.language if saved else translation.get_language()):
        return render(request, "web/preferences.html", {"form": form, "person": user, "saved": saved})
