"""The few pages the mails link to. The secretaries' web UI is a separate piece of work (see the README)."""

from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.views.decorators.http import require_http_methods

from proposals import services
from proposals.forms import PreferencesForm
from proposals.models import User
from proposals.reminders import PREFERENCES_SALT
from proposals.selectors import proposals_visible_to

# A preferences link in a mail stays valid this long; the next reminder brings a fresh one.
PREFERENCES_LINK_MAX_AGE = 60 * 60 * 24 * 90


@login_required
def proposal_open(request, pk: int):
    """The stable link in mails: opens the proposal where this person works on it."""
    proposal = get_object_or_404(proposals_visible_to(request.user), pk=pk)
    return redirect("admin:proposals_proposal_change", proposal.pk)


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
        return render(request, "proposals/preferences.html", {"form": form, "person": user, "saved": saved})
