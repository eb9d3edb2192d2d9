"""The product's settings (development or production, as TRACKER_ENV says) with the benchmark's baselines routed.

DEBUG is off whatever TRACKER_ENV says: with it on, Django keeps every query in memory and renders errors at
length, and the figures would be of a debugging server.
"""

from tracker.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
DEBUG = False
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver", "127.0.0.1"]  # noqa: F405 (the in-process client's host)
