"""A person's in-app inbox: notices marked read, one or all."""

import datetime as dt

from django.utils import timezone

from proposals.models import Notice, User


def notice_mark_read(*, user: User, notice_id: int, now: dt.datetime | None = None) -> Notice:
    """Mark one of the person's own notices read (once: reading it again keeps the first time). Another's
    notice does not exist for them: Notice.DoesNotExist."""
    notice = Notice.objects.get(pk=notice_id, recipient=user)
    if notice.read_at is None:
        notice.read_at = now or timezone.now()
        Notice.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=notice.read_at)
    return notice


def notices_mark_all_read(*, user: User, now: dt.datetime | None = None) -> int:
    """Mark every unread notice of the person read; how many were unread."""
    return Notice.objects.filter(recipient=user, read_at__isnull=True).update(read_at=now or timezone.now())
