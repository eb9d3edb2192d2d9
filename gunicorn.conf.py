# gunicorn reads this file from the directory it starts in (the image's /app, the repository's root): the
# access log it writes (--access-logfile) leaves out the calendar feed's secret (tracker/log_redaction.py).
logger_class = "tracker.log_redaction.AccessLogWithoutSecrets"

# --- One time zone in every log line (#17 item 6) --------------------------------------------------------------
# Django switches its processes to TIME_ZONE as it loads (TZ, tzset): the gunicorn master, which never loads it,
# would otherwise stamp its lines in the host's zone and the workers theirs in TIME_ZONE.
import os  # noqa: E402
import time  # noqa: E402

os.environ["TZ"] = os.environ.get("TIME_ZONE", "Asia/Shanghai")
time.tzset()


# --- Prometheus metrics of several workers (PROMETHEUS_METRICS, tracker/metrics.py) ---------------------------
# In prometheus_client's multiprocess mode each worker writes its figures to PROMETHEUS_MULTIPROC_DIR; a worker
# that exits must be marked so, or its live gauges would stay in every scrape.
def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
