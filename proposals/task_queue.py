"""Work handed to the Celery worker by name: the domain queues a task through this module alone, and the module
of the tasks is never loaded by the domain, so the way goes one direction (the tasks call the domain).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Task:
    name: str  # as Celery registers it: module and function
    what: str  # what its arguments are, for the log


SEND_NOTICES = Task("proposals.tasks.send_notice_batch", "notices")
SEND_NEED_REPLIES = Task("proposals.tasks.send_need_reply_batch", "replies to needs")
SEND_MEETING_NOTICES = Task("proposals.tasks.send_meeting_notice_batch", "meeting notices")
BUILD_DOCUMENT_EXPORT = Task("proposals.tasks.build_document_export", "document export")


def after_commit(task: Task, *args, on_failure: Callable[[Exception], None] | None = None) -> None:
    """Queue the task once the current transaction commits: a rolled-back change queues nothing, and a worker
    never looks for rows not yet committed."""
    transaction.on_commit(lambda: _send(task, *args, on_failure=on_failure))


def _send(task: Task, *args, on_failure: Callable[[Exception], None] | None = None) -> None:
    """Queue the task now. A broker that is down must not fail a request whose change already committed: it is
    logged (the outbox's sweep sends what was never queued) and on_failure, if given, records it."""
    try:
        _registered(task.name).apply_async(args=args)
    except Exception as error:
        logger.exception("Could not queue %s %s", task.what, " ".join(map(str, args)))
        if on_failure is not None:
            on_failure(error)


def _registered(name: str):
    """The task as the Celery app registered it, so that CELERY_TASK_ALWAYS_EAGER runs it in-process. A web
    process has not loaded the task modules (only a worker does at start): have the app discover them once."""
    app = current_app
    if name not in app.tasks:
        app.loader.import_default_modules()
    return app.tasks[name]
