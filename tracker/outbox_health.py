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
