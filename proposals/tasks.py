"""Celery tasks: thin wrappers that take ids and call the domain."""

from celery import shared_task

from proposals import notifications


@shared_task(ignore_result=True)
def notify_transition(transition_id: int) -> None:
    notifications.transition_notify(transition_id)


@shared_task
def ping() -> str:
    """Round-trips through the broker, a worker and the result backend; /healthz and the tests use it."""
    return "pong"
