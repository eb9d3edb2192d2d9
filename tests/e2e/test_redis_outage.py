"""The API and the web sign-in keep answering while Redis is killed under gunicorn, and the login throttle holds.

gunicorn runs with production settings (two workers) on a private redis-server: the broker in its database 0,
the cache (the throttles' counts) in database 1, as CACHE_URL derives it. Redis is killed with SIGKILL in the
middle of the run and started again, then stopped with SIGSTOP (a hung Redis). While it is down every request
must still get its real answer (200, 302, 401, 429; never a 500), the throttles count in each worker's memory
(api.throttling), and once Redis is back they count in it again. Before the outage, a fresh X-Forwarded-For on
each attempt does not make a guesser a new client: no proxy is trusted (NUM_PROXIES=0) when gunicorn is
reached directly.
"""

from __future__ import annotations

import json
import re
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
import redis
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from api.throttling import RETRY_SHARED_SECONDS
from proposals.models import User
from tests.e2e.processes import Answer, RedisServer, collect_web_static, http, production_env, start_gunicorn

pytestmark = pytest.mark.slow

LOGIN_RATE = 5  # login attempts a minute per client address
WORKERS = 2
PASSWORD = "outage-password-7"
FALLBACK_WARNING = "API throttles count in this process"
HUNG_REQUESTS = 10


def login(port: int, username: str, password: str, **headers: str) -> Answer:
    body = json.dumps({"username": username, "password": password}).encode()
    return http(port, "POST", "/api/v1/auth/token/", body=body, headers={"Content-Type": "application/json", **headers})


def forged(n: int) -> dict[str, str]:
    """The headers a client would write to pass for another address each time."""
    address = f"198.51.100.{n % 250 + 1}"
    return {"X-Forwarded-For": address, "X-Real-IP": address, "Forwarded": f"for={address}"}


def cookies(answer: Answer) -> dict[str, str]:
    jar = SimpleCookie()
    for header in answer.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def web_sign_in(port: int, username: str, password: str) -> tuple[Answer, Answer, Answer]:
    """The sign-in page, the signed-in form's answer, and the page it leads to, as a browser would get them."""
    page = http(port, "GET", "/login/")
    jar = cookies(page)
    form = {"username": username, "password": password, "csrfmiddlewaretoken": ""}
    if match := re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body):
        form["csrfmiddlewaretoken"] = match.group(1).decode()
    cookie = "; ".join(f"{name}={value}" for name, value in jar.items())
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    signed_in = http(port, "POST", "/login/", body=urlencode(form).encode(), headers=headers)
    jar |= cookies(signed_in)
    cookie = "; ".join(f"{name}={value}" for name, value in jar.items())
    home = http(port, "GET", signed_in.headers.get("Location", "/"), headers={"Cookie": cookie})
    return page, signed_in, home


def test_the_api_and_the_sign_in_answer_while_redis_is_killed(
    requires_postgresql, committed_world, processes, tmp_path
):
    world = committed_world
    proposal = world.draft()
    # Production checks passwords with PBKDF2; a thousand rounds keep the many attempts below cheap.
    hasher = PBKDF2PasswordHasher()
    User.objects.update(password=hasher.encode(PASSWORD, hasher.salt(), iterations=1000))
    server = RedisServer(processes, tmp_path)
    server.start()
    env = production_env(tmp_path, broker_url=server.url) | {
        "SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback, as docker-compose.yml runs it
        "API_THROTTLE_LOGIN": f"{LOGIN_RATE}/minute",
        # The sign-in lockout counts failures per address too (all of these come from 127.0.0.1) and would
        # refuse the logins before the throttle does; the throttle is what this test is about.
        "SIGNIN_FAILURE_LIMIT": "100000",
    }
    collect_web_static(env)
    broker_db = redis.Redis(port=server.port, db=0, socket_connect_timeout=2)
    cache_db = redis.Redis(port=server.port, db=1, socket_connect_timeout=2)

    with processes.output_on_failure():
        port = start_gunicorn(processes, env, workers=WORKERS)

        # Redis up. A new forged address on every attempt is still the same client.
        for n in range(LOGIN_RATE):
            assert login(port, "lead", f"guess-{n}", **forged(n)).status == 401
        assert login(port, "lead", PASSWORD, **forged(LOGIN_RATE)).status == 429
        assert cache_db.keys("*throttle_login*"), "the login throttle did not count in the cache's database"
        assert not broker_db.keys("*throttle*"), "throttle counts landed in the broker's database"

        server.kill()
        started = time.monotonic()
        token_answer = login(port, "secretary", PASSWORD)
        assert token_answer.status == 200, token_answer.body
        auth = {"Authorization": f"Token {json.loads(token_answer.body)['token']}"}
        listed = http(port, "GET", "/api/v1/proposals/", headers=auth)
        assert listed.status == 200, listed.body
        assert [row["id"] for row in json.loads(listed.body)["results"]] == [proposal.pk]
        assert http(port, "GET", f"/api/v1/proposals/{proposal.pk}/", headers=auth).status == 200
        assert http(port, "GET", "/api/v1/me/", headers=auth).status == 200
        assert http(port, "GET", "/api/v1/proposals/").status == 401
        assert login(port, "lead", "wrong").status == 401
        page, signed_in, home = web_sign_in(port, "secretary", PASSWORD)
        assert page.status == 200, page.body[:2000]
        assert signed_in.status == 302, signed_in.body[:2000]
        assert home.status == 200, home.body[:2000]
        mean_seconds = (time.monotonic() - started) / 9  # the nine requests above
        # The login throttle still holds, counting in each worker: at most the rate once per worker.
        statuses = [login(port, "lead", f"guess-{n}").status for n in range(WORKERS * LOGIN_RATE + 1)]
        assert set(statuses) <= {401, 429}, statuses
        assert 429 in statuses, statuses
        assert processes.alive("gunicorn")

        server.start()
        time.sleep(RETRY_SHARED_SECONDS + 1)  # each worker asks Redis again after this pause
        # Redis back: the shared count again, exactly the rate across both workers.
        statuses = [login(port, "lead", f"again-{n}").status for n in range(LOGIN_RATE + 1)]
        assert statuses == [401] * LOGIN_RATE + [429], statuses
        assert cache_db.keys("*throttle_login*")

        # Redis hanging instead of refusing: each worker waits for its socket timeout once, then counts locally
        # for RETRY_SHARED_SECONDS instead of waiting on every request.
        server.pause()
        try:
            hung_started = time.monotonic()
            statuses = [http(port, "GET", "/api/v1/proposals/", headers=auth).status for _ in range(HUNG_REQUESTS)]
            hung_seconds = time.monotonic() - hung_started
        finally:
            server.pause(False)
        assert statuses == [200] * HUNG_REQUESTS, statuses
        assert hung_seconds < HUNG_REQUESTS * 0.5, f"{hung_seconds:.1f} s: the requests waited on Redis each time"

        log = processes.output("gunicorn")
        assert "Internal Server Error" not in log
        assert 1 <= log.count(FALLBACK_WARNING) <= WORKERS, "one warning a minute per worker, not one per request"
    print(f"redis-outage: {mean_seconds:.3f} s per request on average while Redis was killed; "
          f"{hung_seconds / HUNG_REQUESTS:.3f} s while it hung")  # fmt: skip
