"""Face-to-face meetings (面对面): the organisers record them and their minutes; the delegates attending read
them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from proposals import permissions, selectors, uploads
from proposals.models import Meeting, MeetingFile
from tracker.media import download_response
from web.forms import MeetingFileForm, MeetingForm, MinutesForm

PAGE_SIZE = 30


def _visible(request, pk: int) -> Meeting:
    meeting = selectors.meetings_visible_to(request.user).filter(pk=pk).first()
    if meeting is None:
        raise Http404
    return meeting


def _organiser(request, meeting: Meeting) -> bool:
    return permissions.organise_meetings(request.user, meeting.organisation).allowed


@login_required
@require_GET
def meeting_list(request):
    meetings = selectors.meetings_visible_to(request.user).prefetch_related("delegates__user")
    page = Paginator(meetings, PAGE_SIZE).get_page(request.GET.get("page"))
    may_record = selectors.organisations_in_scope(request.user).exists()
    return render(request, "web/meetings.html", {"page": page, "may_record": may_record})


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request):
    if not selectors.organisations_in_scope(request.user).exists():
        raise Http404
    return _form_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request, pk: int):
    meeting = _visible(request, pk)
    if not _organiser(request, meeting):
        raise Http404
    return _form_page(request, meeting)


def _form_page(request, meeting: Meeting | None):
    form = MeetingForm(request.POST or None, user=request.user, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        saved = form.apply()
        if saved is not None:
            messages.success(request, _("The meeting is saved."))
            return redirect("meeting", pk=saved.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "web/meeting_form.html", {"form": form, "meeting": meeting}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_page(request, pk: int):
    """The meeting: who came, the agenda, the needs and proposals; its organisers write the minutes here."""
    meeting = _visible(request, pk)
    organiser = _organiser(request, meeting)
    form = MinutesForm(request.POST or None, initial={"minutes": meeting.minutes}) if organiser else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid() and form.apply(request.user, meeting) is not None:
            messages.success(request, _("The minutes are saved."))
            return redirect("meeting", pk=meeting.pk)
    return _page(request, meeting, organiser, minutes_form=form, status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def meeting_file_upload(request, pk: int):
    meeting = _visible(request, pk)
    organiser = _organiser(request, meeting)
    if not organiser:
        raise Http404
    form = MeetingFileForm(request.POST, request.FILES, too_large=uploads.upload_refused(request))
    if form.is_valid() and form.apply(request.user, meeting) is not None:
        messages.success(request, _("The file is attached."))
        return redirect("meeting", pk=meeting.pk)
    minutes_form = MinutesForm(initial={"minutes": meeting.minutes})
    return _page(request, meeting, organiser, minutes_form=minutes_form, file_form=form, status=400)


@login_required
@require_GET
def meeting_file_download(request, pk: int):
    stored = get_object_or_404(MeetingFile.objects.filter(meeting__in=selectors.meetings_visible_to(request.user)),
                               pk=pk)  # fmt: skip
    return download_response(stored.file, filename=stored.original_name, content_type=stored.content_type)


def _page(request, meeting: Meeting, organiser: bool, *, minutes_form, file_form=None, status: int = 200):
    context = {
        "meeting": meeting,
        "organiser": organiser,
        "form": minutes_form,
        "file_form": file_form or (MeetingFileForm() if organiser else None),
        "files": meeting.files.all(),
        "delegates": meeting.delegates.select_related("user"),
        # What the person sees of them: needs only their organisers, proposals whoever may open them.
        "needs": selectors.needs_visible_to(request.user).filter(meetings=meeting),
        "proposals": selectors.proposals_visible_to(request.user).filter(meetings=meeting).select_related("session"),
    }
    return render(request, "web/meeting.html", context, status=status)
