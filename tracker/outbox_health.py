"""/healthz/outbox: the outboxes' health in detail (pending, retrying, sending, failed, the oldest due row's
wait), for operators only: signed-in staff. The public /healthz says only whether the parts answer."""

from django.contrib.admin.views.decorators import staff_member_required
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from proposals import outbox
from proposals.models import MeetingNotice, NeedReply, Notice, Reminder


@never_cache
@require_GET
@staff_member_required
def outbox_health(request):
    return JsonResponse({"reminders": outbox.health(Reminder), "notices": outbox.health(Notice),
                         "need_replies": outbox.health(NeedReply),
                         "meeting_notices": outbox.health(MeetingNotice)})  # fmt: skip


@never_cache
@require_GET
@staff_member_required
def operations_status(request):
    """The operators' status page in the admin: the last sweep, the outboxes, the workers that answer."""
    from django.contrib import admin
    from django.shortcuts import render
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from tracker import health

    swept = health.last_sweep()
    try:
        workers = health.workers_seen()
        workers_error = False
    except Exception:
        health.logger.exception("Status page: the workers could not be asked.")
        workers, workers_error = [], True
    outboxes = [(_("Reminders"), outbox.health(Reminder)), (_("Notices"), outbox.health(Notice)),
                (_("Replies to needs"), outbox.health(NeedReply)),
                (_("Meeting notices"), outbox.health(MeetingNotice))]  # fmt: skip
    context = {
        **admin.site.each_context(request),
        "title": _("Operations status"),
        "last_sweep": swept,
        "sweep_late": swept is None or timezone.now() - swept > health.beat_deadline(),
        "beat_deadline_minutes": round(health.beat_deadline().total_seconds() / 60),
        "outboxes": outboxes,
        "workers": workers,
        "workers_error": workers_error,
    }
    return render(request, "admin/operations_status.html", context)
