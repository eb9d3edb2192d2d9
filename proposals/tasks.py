"""Celery tasks: thin wrappers that take ids and call the domain.

Every task may run twice (acks_late, a worker lost, two beats): each one reads the outbox and does only
what is left to do there.
"""

import logging

from celery import shared_task
from django.conf import settings

from proposals import exports, notifications, outbox, reminders

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def sweep_outbox() -> None:
    """Beat runs this every few minutes: plan what is due into the reminder outbox, then hand the reminders and
    notices that are ready to the senders. One sweep at a time; one that finds another running does nothing."""
    with outbox.sweep_lock("sweep", settings.REMINDER_SWEEP_SECONDS) as held:
        if not held:
            logger.info("Outbox sweep skipped: another sweep is running")
            return
        planned, batches = reminders.sweep()
        notice_batches = notifications.sweep()
    logger.info("Outbox sweep: %d planned, %d cancelled, %d reminder batches and %d notice batches to send",
                len(planned.planned), planned.cancelled, len(batches), len(notice_batches))  # fmt: skip
    for batch in batches:
        send_reminder_batch.delay(batch)
    for batch in notice_batches:
        send_notice_batch.delay(batch)


def _again(task, come_back: outbox.ComeBack | None) -> None:
    if come_back is not None:
        task.apply_async(args=[come_back.ids], countdown=come_back.countdown)


@shared_task(ignore_result=True)
def send_reminder_batch(reminder_ids: list[int]) -> None:
    _again(send_reminder_batch, reminders.send_batch(reminder_ids))


@shared_task(ignore_result=True)
def send_notice_batch(notice_ids: list[int]) -> None:
    _again(send_notice_batch, notifications.send_batch(notice_ids))


@shared_task(ignore_result=True)
def build_document_export(export_id: int) -> None:
    """The .zip of a batch export; the page polls its progress. A lost worker's run is taken up again."""
    exports.document_export_run(export_id)


@shared_task
def ping() -> str:
    """Round-trips through the broker, a worker and the result backend; /healthz and the tests use it."""
    return "pong"
