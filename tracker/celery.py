import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

app = Celery("tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The request id of the request that queued a task goes along with it (tracker/request_id.py).
from tracker import request_id  # noqa: E402

if os.environ.get("LOG_FORMAT", "").strip() == "json":
    signals.setup_logging.connect(request_id.worker_logging)
