"""Celery tasks: thin wrappers that take ids and call the domain.

Every task may run twice (acks_late, a worker lost, two beats): each one reads the outbox and does only
what is left to do there.
"""

from celery import shared_task

from proposals import meeting_notices, need_replies, notifications, outbox, reminders
from proposals.documents import exports
from proposals.services import housekeeping, needs


@shared_task(ignore_result=True)
def sweep_outbox() -> None:
    """Beat runs this every few minutes: hand what the outboxes hold ready to the senders."""
    from tracker import health

    health.record_sweep()  # /healthz/ready reads it: beat queues the sweeps and a worker runs them
    batches = reminders.sweep_outboxes()
    for batch in batches.reminders:
        send_reminder_batch.delay(batch)
    for batch in batches.notices:
        send_notice_batch.delay(batch)
    for batch in batches.need_replies:
        send_need_reply_batch.delay(batch)
    for batch in batches.meeting_notices:
        send_meeting_notice_batch.delay(batch)


def _again(task, come_back: outbox.ComeBack | None) -> None:
    """Queue the send task again for what its batch left, when the earliest of it is due."""
    if come_back is not None:
        task.apply_async(args=[come_back.ids], countdown=come_back.countdown)


@shared_task(ignore_result=True)
def send_reminder_batch(reminder_ids: list[int]) -> None:
    _again(send_reminder_batch, reminders.send_batch(reminder_ids))


@shared_task(ignore_result=True)
def send_notice_batch(notice_ids: list[int]) -> None:
    _again(send_notice_batch, notifications.send_batch(notice_ids))


@shared_task(ignore_result=True)
def send_need_reply_batch(reply_ids: list[int]) -> None:
    _again(send_need_reply_batch, need_replies.send_batch(reply_ids))


@shared_task(ignore_result=True)
def send_meeting_notice_batch(notice_ids: list[int]) -> None:
    _again(send_meeting_notice_batch, meeting_notices.send_batch(notice_ids))


@shared_task(ignore_result=True)
def build_document_export(export_id: int) -> None:
    """The .zip of a batch export; the page polls its progress. A lost worker's run is taken up again."""
    exports.document_export_run(export_id)


@shared_task(ignore_result=True)
def remove_expired_need_contacts() -> None:
    needs.need_contacts_remove_expired()


@shared_task(ignore_result=True)
def remove_expired_sessions() -> None:
    housekeeping.remove_expired_sessions()


@shared_task(ignore_result=True)
def remove_expired_api_tokens() -> None:
    housekeeping.remove_expired_api_tokens()


@shared_task(ignore_result=True)
def remove_old_exports() -> None:
    housekeeping.remove_old_exports()


@shared_task(ignore_result=True)
def remove_old_outbox_rows() -> None:
    housekeeping.remove_old_outbox_rows()


@shared_task
def ping() -> str:
    """Round-trips through the broker, a worker and the result backend; /healthz and the tests use it."""
    return "pong"


@shared_task(ignore_result=True)
def make_backup() -> None:
    """Daily, when BACKUP_DIR is set: one archive of the database and the uploads (tracker/backup.py)."""
    from tracker import backup

    backup.backup()
