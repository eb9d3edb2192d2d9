# gunicorn reads this file from the directory it starts in (the image's /app, the repository's root): the
# access log it writes (--access-logfile) leaves out the calendar feed's secret (tracker/log_redaction.py).
logger_class = "tracker.log_redaction.AccessLogWithoutSecrets"
