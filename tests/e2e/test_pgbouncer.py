"""The product behind a real PgBouncer in transaction pooling (#17 item 10): Debian's pgbouncer on a free port in
front of the session's PostgreSQL, gunicorn's DATABASE_URL pointing at it, DATABASE_PGBOUNCER=true.

Through it the CSV and XLSX exports answer every one of more than two chunks of rows (eight CSV exports at once
too, more than the pool's server connections), the API's list and a page work, a transition is written, the
worker and beat deliver reminders, and nothing uses a prepared statement (PgBouncer 1.18, Debian 12's, keeps
none across transactions). Without DATABASE_PGBOUNCER the same export breaks as soon as another client of the
pool takes the server connection its server-side cursor lives on, as any busy pool does: PgBouncer hands the
cursor's next FETCH to another server connection, where no such cursor exists.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

import openpyxl
import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from proposals import selectors
from proposals.models import Proposal, Reminder, Transition, User
from proposals.reporting import spreadsheets
from proposals.workflow import State
from tests.e2e.mailserver import MailServer
from tests.e2e.processes import (
    BASE_DIR,
    BIN,
    PgBouncer,
    RedisServer,
    collect_web_static,
    http,
    production_env,
    start_gunicorn,
)
from tests.e2e.test_readiness import wait_for_readiness
from tests.e2e.test_reminder_faults import make_due_drafts

pytestmark = pytest.mark.slow

DRAFTS = 2 * spreadsheets.CHUNK_SIZE + 150  # three chunks: the cursor is read from three times
PASSWORD = "pgbouncer-e2e-pw-2718"
CONCURRENT_EXPORTS = 8  # on 4 gunicorn workers, through a pool of 4 server connections


@pytest.fixture
def drafts(committed_world):
    """One branch secretary with DRAFTS drafts of their own, and a password to sign in with."""
    made = make_due_drafts(committed_world, secretaries=1, drafts_each=DRAFTS)
    author = User.objects.get(pk=Proposal.objects.get(pk=made.proposal_ids[0]).author_id)
    # Hashed as production hashes (the tests' own settings use a fast hasher production does not accept).
    author.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    author.save(update_fields=["password"])
    visible = set(selectors.proposals_visible_to(author).values_list("pk", flat=True))
    assert visible >= set(made.proposal_ids) and len(visible) > 2 * spreadsheets.CHUNK_SIZE
    return author, visible


def bouncer_env(tmp_path, bouncer: PgBouncer, broker: RedisServer, *, pgbouncer: bool) -> dict[str, str]:
    env = production_env(tmp_path, broker_url=broker.url)
    env.update(DATABASE_URL=bouncer.url(), SECURE_SSL_REDIRECT="false")
    if pgbouncer:
        env["DATABASE_PGBOUNCER"] = "true"
    return env


def token(port: int, username: str) -> str:
    body = json.dumps({"username": username, "password": PASSWORD}).encode()
    answer = http(port, "POST", "/api/v1/auth/token/", body=body, headers={"Content-Type": "application/json"})
    assert answer.status == 200, answer.body
    return json.loads(answer.body)["token"]


def sign_in(port: int, username: str) -> str:
    """Through the login form, as a browser: the Cookie header of the signed-in session."""
    page = http(port, "GET", "/login/")
    cookies = SimpleCookie()
    for header in page.headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    csrf = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body).group(1).decode()
    form = urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": csrf}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={cookies['csrftoken'].value}"}
    answer = http(port, "POST", "/login/", body=form, headers=headers)
    assert answer.status == 302, answer.body[:2000]
    for header in answer.headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    return f"sessionid={cookies['sessionid'].value}"


def test_exports_lists_and_a_transition_through_pgbouncer_in_transaction_pooling(
    requires_postgresql, drafts, processes, tmp_path
):
    author, visible = drafts
    bouncer = PgBouncer(processes, tmp_path)
    bouncer.start()
    broker = RedisServer(processes, tmp_path)
    broker.start()
    env = bouncer_env(tmp_path, bouncer, broker, pgbouncer=True)
    collect_web_static(env)  # the pages need their static files in production

    with processes.output_on_failure():
        port = start_gunicorn(processes, env, workers=4)
        auth = {"Authorization": f"Token {token(port, author.username)}"}

        started = time.monotonic()
        answer = http(port, "GET", "/api/v1/proposals/export.csv", headers=auth)
        csv_seconds = time.monotonic() - started
        assert answer.status == 200, answer.body[:2000]
        lines = list(csv.reader(io.StringIO(answer.body.decode("utf-8-sig"))))
        assert {int(line[0]) for line in lines[1:]} == visible and len(lines) == len(visible) + 1

        started = time.monotonic()
        answer = http(port, "GET", "/api/v1/proposals/export.xlsx", headers=auth)
        xlsx_seconds = time.monotonic() - started
        assert answer.status == 200, answer.body[:2000]
        sheet = openpyxl.load_workbook(io.BytesIO(answer.body), read_only=True).active
        ids = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
        assert set(ids) == visible and len(ids) == len(visible)
        print(f"{len(visible)} rows through PgBouncer: CSV in {csv_seconds:.2f} s, XLSX in {xlsx_seconds:.2f} s")

        # Eight at once on four workers, more than the pool's server connections: each one whole.
        def export_rows(_) -> tuple[int, int]:
            answer = http(port, "GET", "/api/v1/proposals/export.csv", headers=auth)
            return answer.status, len(list(csv.reader(io.StringIO(answer.body.decode("utf-8-sig"))))) - 1

        with ThreadPoolExecutor(CONCURRENT_EXPORTS) as pool:
            assert list(pool.map(export_rows, range(CONCURRENT_EXPORTS))) == [(200, len(visible))] * CONCURRENT_EXPORTS

        newest = sorted(visible, reverse=True)
        page = json.loads(http(port, "GET", "/api/v1/proposals/?page_size=20", headers=auth).body)
        assert [item["id"] for item in page["results"]] == newest[:20], page
        following = urlsplit(page["next"])
        page = json.loads(http(port, "GET", f"{following.path}?{following.query}", headers=auth).body)
        assert [item["id"] for item in page["results"]] == newest[20:40], page
        cookie = sign_in(port, author.username)
        answer = http(port, "GET", "/proposals/", headers={"Cookie": cookie})
        assert answer.status == 200, answer.body[:2000]
        assert Proposal.objects.filter(pk__in=visible).first().title.encode() in answer.body

        proposal = Proposal.objects.filter(pk__in=visible, state=State.DRAFT).first()
        body = json.dumps({"action": "start_research"}).encode()
        answer = http(port, "POST", f"/api/v1/proposals/{proposal.pk}/transitions/", body=body,
                      headers={**auth, "Content-Type": "application/json"})  # fmt: skip
        assert answer.status == 200, answer.body[:2000]
        proposal.refresh_from_db()
        assert proposal.state == State.RESEARCH
        assert Transition.objects.filter(proposal=proposal, action="start_research").count() == 1

        # It all went through PgBouncer, in transaction pooling, and nothing was prepared on a server.
        [pool] = [row for row in bouncer.admin("SHOW POOLS") if row["database"] == env["DATABASE_URL"].rsplit("/")[-1]]
        assert pool["pool_mode"] == "transaction"
        [stats] = [row for row in bouncer.admin("SHOW STATS") if row["database"] == pool["database"]]
        assert stats["total_xact_count"] > 10 and stats["total_query_count"] >= stats["total_xact_count"]
        assert "prepared statement" not in processes.output("gunicorn")
        assert "prepared statement" not in processes.output("pgbouncer")


# The export's rows as the product reads them, in a process with the product's settings; once the first row is
# out, another client of the pool begins a transaction (PgBouncer gives it the idle server connection used last:
# the export's) and keeps it while the export goes on.
BUSY_POOL_EXPORT = """
import os, psycopg
from proposals.models import Proposal
from proposals.reporting import spreadsheets
rows = spreadsheets.rows(Proposal.objects.all())
read = [next(rows)]
other = psycopg.connect(os.environ["DATABASE_URL"])
other.execute("SELECT 1")
try:
    read.extend(rows)
    print("rows", len(read))
except Exception as error:
    print("failed after", len(read), "rows:", type(error).__name__, str(error).splitlines()[0])
other.close()
"""


def export_in_a_busy_pool(env: dict[str, str]) -> str:
    result = subprocess.run([str(BIN / "python"), "manage.py", "shell", "-c", BUSY_POOL_EXPORT], cwd=BASE_DIR,
                            env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_without_database_pgbouncer_the_export_breaks_once_another_client_takes_its_server_connection(
    requires_postgresql, drafts, processes, tmp_path
):
    bouncer = PgBouncer(processes, tmp_path)
    bouncer.start()
    broker = RedisServer(processes, tmp_path)
    broker.start()
    everything = Proposal.objects.count()

    with processes.output_on_failure():
        without = export_in_a_busy_pool(bouncer_env(tmp_path, bouncer, broker, pgbouncer=False))
        print("without DATABASE_PGBOUNCER:", without)
        assert without.startswith(f"failed after {spreadsheets.CHUNK_SIZE} rows:"), without
        assert "does not exist" in without, without  # the cursor, on the server connection the FETCH went to

        with_setting = export_in_a_busy_pool(bouncer_env(tmp_path, bouncer, broker, pgbouncer=True))
        print("with DATABASE_PGBOUNCER=true:", with_setting)
        assert with_setting == f"rows {everything}"


def test_the_worker_and_beat_deliver_through_pgbouncer(requires_postgresql, committed_world, processes, tmp_path):
    """The outbox's claims (SELECT ... FOR UPDATE SKIP LOCKED), the sweep's lock and the marks, in a worker and
    beat whose every transaction may get another server connection; and readiness, which reads the sweep's mark."""
    due = make_due_drafts(committed_world, 5, 2)
    bouncer = PgBouncer(processes, tmp_path)
    bouncer.start()
    broker = RedisServer(processes, tmp_path)
    broker.start()
    with MailServer() as mail, processes.output_on_failure():
        env = bouncer_env(tmp_path, bouncer, broker, pgbouncer=True)
        env.update(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1",
                   EMAIL_PORT=str(mail.port), EMAIL_TIMEOUT="10", REMINDER_SEND_HOUR="0",
                   REMINDER_SWEEP_SECONDS="5", HEALTH_BEAT_INTERVALS="2")  # fmt: skip
        port = start_gunicorn(processes, env, workers=1)
        celery = [str(BIN / "celery"), "-A", "tracker"]
        processes.start("worker", [*celery, "worker", "--loglevel=INFO", "--concurrency=2"], env)
        processes.start("beat", [*celery, "beat", "--loglevel=INFO", "--schedule", str(tmp_path / "beat")], env)

        def reminders() -> set[int]:
            return set(due.outbox().values_list("pk", flat=True))

        assert mail.wait_for(lambda: len(reminders()) == 10 and mail.tally(reminders()).missing == 0, 60, 0.5), (
            mail.tally(reminders())
        )
        tally = mail.tally(reminders())
        assert (tally.delivered, tally.duplicates, tally.mails) == (10, 0, 5)
        assert set(due.outbox().values_list("status", flat=True)) == {Reminder.Status.SENT}
        everything = {"database": "ok", "broker": "ok", "beat": "ok", "workers": "ok"}
        wait_for_readiness(port, everything, timeout=30)
        for name in ("worker", "beat", "gunicorn"):
            assert "prepared statement" not in processes.output(name) and "does not exist" not in processes.output(name)
