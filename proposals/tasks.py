"""Celery tasks: thin wrappers that take ids and call the domain.

Every task may run twice (acks_late, a worker lost, two beats): each one reads the outbox and does only
what is left to do there.
"""

import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from proposals import exports, notifications, reminders
from proposals.models import Reminder

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def notify_transition(transition_id: int) -> None:
    notifications.transition_notify(transition_id)


@shared_task(ignore_result=True)
def sweep_reminders() -> None:
    """Beat runs this every few minutes: plan what is due into the outbox, then hand batches to the senders."""
    planned, batches = reminders.sweep()
    logger.info("Reminder sweep: %d planned, %d cancelled, %d batches to send",
                len(planned.planned), planned.cancelled, len(batches))  # fmt: skip
    for batch in batches:
        send_reminder_batch.delay(batch)


@shared_task(ignore_result=True)
def send_reminder_batch(reminder_ids: list[int]) -> None:
    result = reminders.send_due(ids=reminder_ids)
    if not result.retried:
        return
    # Come back when the earliest retry is due; the sweep would find them too, only later.
    earliest = Reminder.objects.filter(pk__in=result.retried, status=Reminder.Status.PENDING).order_by("send_after")
    first = earliest.values_list("send_after", flat=True).first()
    if first is None:
        return
    countdown = min(max(1.0, (first - timezone.now()).total_seconds()), settings.REMINDER_RETRY_MAX_SECONDS)
    send_reminder_batch.apply_async(args=[result.retried], countdown=countdown)


@shared_task(ignore_result=True)
def build_document_export(export_id: int) -> None:
    """The .zip of a batch export; the page polls its progress. A lost worker's run is taken up again."""
    exports.document_export_run(export_id)


@shared_task
def ping() -> str:
    """Round-trips through the broker, a worker and the result backend; /healthz and the tests use it."""
    return "pong"
