"""Shared fixtures: an organisation tree, people in every role, a session, and a proposal builder.

Tests that need a real service (PostgreSQL, Redis) ask for it with `requires_postgresql` or
`requires_redis`. Outside CI they are skipped when the service is not configured, and say so; in CI
(CI=true) they fail instead, so a missing service can never turn the suite green.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone, translation

from proposals import services
from proposals.models import Body, Delegate, HandlingUnit, Organisation, Proposal, Session, User
from tracker.celery import app as celery_app

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _missing(service: str, how: str) -> None:
    message = f"{service} is not configured for this run ({how})."
    if IN_CI:
        pytest.fail(message + " CI must run against the real service.", pytrace=False)
    pytest.skip(message + " Skipped outside CI.")


@pytest.fixture
def requires_postgresql():
    if connection.vendor != "postgresql":
        _missing("PostgreSQL", "set DATABASE_URL=postgres://...")


@pytest.fixture
def requires_redis():
    url = settings.CELERY_BROKER_URL
    if not url.startswith("redis"):
        _missing("Redis", "set CELERY_BROKER_URL=redis://...")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis at {url} cannot be reached: {error}", pytrace=False)
    return url


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's language: a request in English must not leave the next test in it."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _mail_in_memory(settings, tmp_path, monkeypatch):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = tmp_path / "media"
    # Tasks run in-process. Celery reads its settings once and keeps them, so its own copy is set too: which
    # value it kept would otherwise depend on the test that happened to touch Celery first.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    # Real hashing costs ~0.3 s a user; the tests create dozens and never test the hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_user(username: str, *, role: str, organisation: Organisation | None = None, **extra) -> User:
    return User.objects.create_user(
        username=username, password="pw-" + username, role=role, organisation=organisation,
        email=f"{username}@example.org", **extra,
    )  # fmt: skip


def make_delegate(username: str, *, body: str = Body.NPC, level: str = "city") -> User:
    user = make_user(username, role=User.Role.DELEGATE)
    Delegate.objects.create(user=user, body=body, level=level, region="朔州市", contact_email=user.email)
    return user


class World:
    """A small city: one city committee, two counties with a branch each, people in every role."""

    def __init__(self):
        self.city = Organisation.objects.create(name="共青团朔州市委", level="city", region="朔州市")
        self.county = Organisation.objects.create(
            name="共青团怀仁市委", level="county", parent=self.city, region="怀仁市"
        )
        self.other_county = Organisation.objects.create(
            name="共青团应县委", level="county", parent=self.city, region="应县"
        )
        self.branch = Organisation.objects.create(
            name="陶瓷e镇团工委", level="branch", parent=self.county, region="怀仁市"
        )
        self.other_branch = Organisation.objects.create(
            name="应县职业中学团委", level="branch", parent=self.other_county, region="应县"
        )
        self.admin = User.objects.create_superuser("admin", "admin@example.org", "pw-admin", role=User.Role.ADMIN)
        self.city_coordinator = make_user("coord-city", role=User.Role.COORDINATOR, organisation=self.city)
        self.coordinator = make_user("coord-county", role=User.Role.COORDINATOR, organisation=self.county)
        self.other_coordinator = make_user("coord-other", role=User.Role.COORDINATOR, organisation=self.other_county)
        self.secretary = make_user("secretary", role=User.Role.SECRETARY, organisation=self.branch)
        self.other_secretary = make_user("secretary-other", role=User.Role.SECRETARY, organisation=self.other_branch)
        self.unit = HandlingUnit.objects.create(name="朔州市人力资源和社会保障局", short_name="市人社局")
        self.other_unit = HandlingUnit.objects.create(name="朔州市教育局", short_name="市教育局")
        self.lead = make_delegate("lead")
        self.cosigners = [make_delegate(f"cosigner-{n}") for n in range(3)]
        self.outsider_delegate = make_delegate("unassigned")
        self.cppcc_member = make_delegate("cppcc-member", body=Body.CPPCC)
        now = timezone.now()
        today = timezone.localdate(now)
        self.npc_session = Session.objects.create(
            body=Body.NPC, level="city", region="朔州市", name="朔州市第五届人民代表大会第四次会议",
            opening_date=today + dt.timedelta(days=60), closing_date=today + dt.timedelta(days=65),
            submission_deadline=now + dt.timedelta(days=50), required_motion_cosigners=3,
        )  # fmt: skip
        self.cppcc_session = Session.objects.create(
            body=Body.CPPCC, level="city", region="朔州市", name="政协朔州市第五届委员会第四次会议",
            opening_date=today + dt.timedelta(days=58), closing_date=today + dt.timedelta(days=63),
            submission_deadline=now + dt.timedelta(days=48),
        )  # fmt: skip

    def later_session(self) -> Session:
        """The city congress's next session, a year later: where an unresolved proposal is raised again."""
        first = self.npc_session
        session, _created = Session.objects.get_or_create(
            name="朔州市第五届人民代表大会第五次会议",
            defaults={"body": Body.NPC, "level": "city", "region": "朔州市",
                      "opening_date": first.opening_date + dt.timedelta(days=365),
                      "closing_date": first.closing_date + dt.timedelta(days=365),
                      "submission_deadline": first.submission_deadline + dt.timedelta(days=365)},
        )  # fmt: skip
        return session

    def draft(
        self,
        *,
        kind: str = Proposal.Kind.SUGGESTION,
        session: Session | None = None,
        author: User | None = None,
        organisation: Organisation | None = None,
        **text,
    ) -> Proposal:
        fields = {
            "title": "关于加强青少年心理健康服务的建议",
            "background": "全市中小学心理健康教师配备不足。",
            "recommendations": "一、配齐心理健康教师；二、建立家校社协同机制。",
            "topic": Proposal.Topic.MENTAL_HEALTH,
        } | text
        return services.proposal_create(
            author=author or self.secretary,
            organisation=organisation or self.branch,
            session=session or self.npc_session,
            kind=kind,
            **fields,
        )


@pytest.fixture
def eager_off(settings, monkeypatch) -> None:
    """For tests where a real worker must run the tasks: they go to the broker instead of running in-process."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)


@pytest.fixture
def world(db) -> World:
    return World()


@pytest.fixture
def committed_world(transactional_db) -> World:
    """A world whose rows are committed, for tests where other connections or processes must see them."""
    return World()
