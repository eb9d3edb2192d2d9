"""Read settings from the environment and fail loudly on values that make no sense.

A typo such as DEBUG=ture must stop the process at start-up, not silently mean False.
"""

import os
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Environment variable {name} is required.")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use one of 1/0, true/false, yes/no, on/off.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is below the minimum of {minimum}.")
    return value


def env_days(name: str, default: list[int]) -> list[int]:
    """Comma-separated days (whole numbers, 0 or more): "30,14,7,3,1,0"."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    items = [item.strip() for item in raw.split(",") if item.strip()]
    if not items or not all(item.isdigit() for item in items):
        raise ImproperlyConfigured(f"{name}={raw!r} must be comma-separated whole numbers of days (0 or more).")
    return sorted({int(item) for item in items}, reverse=True)


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: set[str]) -> str:
    value = env_str(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} must be one of {', '.join(sorted(choices))}.")
    return value


REDIS_DATABASES = 16  # redis-server's default number of databases


def _redis_database(url: str) -> tuple[str, int] | None:
    """(the server, the database number) a redis://, rediss:// or unix:// URL names, as redis-py reads it."""
    parts = urlsplit(url)
    if parts.scheme not in {"redis", "rediss", "unix"}:
        return None
    query = parse_qs(parts.query)
    number = query.get("db", [parts.path.strip("/") if parts.scheme != "unix" else ""])[0] or "0"
    try:
        database = int(number)
    except ValueError:
        raise ImproperlyConfigured(f"{url!r} does not name a Redis database by number.") from None
    server = parts.netloc.rpartition("@")[2] or parts.path  # credentials do not make another server
    return (server, database)


def same_redis_database(url: str, other: str) -> bool:
    here = _redis_database(url)
    return here is not None and here == _redis_database(other)


def redis_neighbour_database(url: str) -> str | None:
    """The same Redis server's next database (N+1; 14 for the last, 15, rather than wrapping round to the 0 so
    many brokers use), or None when `url` is not Redis."""
    here = _redis_database(url)
    if here is None:
        return None
    parts = urlsplit(url)
    neighbour = str(here[1] + 1 if here[1] + 1 < REDIS_DATABASES else here[1] - 1)
    query = [(key, value) for key, value in parse_qsl(parts.query) if key != "db"]
    if parts.scheme == "unix":
        return url.partition("?")[0] + "?" + urlencode([*query, ("db", neighbour)])
    return urlunsplit(parts._replace(path=f"/{neighbour}", query=urlencode(query)))


# --- Start-up checks of values that would otherwise fail only later (#17 item 8) ------------------------------


def env_int_between(name: str, default: int, minimum: int, maximum: int) -> int:
    value = env_int(name, default, minimum=minimum)
    if value > maximum:
        raise ImproperlyConfigured(f"{name}={value} is above the maximum of {maximum}.")
    return value


_LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


def env_log_level(name: str, default: str) -> str:
    """A logging level by name (any case): the logging configuration would otherwise fail on it only as it loads."""
    raw = env_str(name, default)
    value = raw.strip().upper()
    if value not in _LOG_LEVELS:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a log level; use one of {', '.join(_LOG_LEVELS)}.")
    return value


_RATE_PERIODS = {"s", "m", "h", "d"}


def env_rate(name: str, default: str) -> str:
    """A throttle rate as DRF reads it ("10/minute", "100/h"): a bad one would make every throttled request a 500."""
    raw = env_str(name, default)
    number, slash, period = raw.strip().partition("/")
    if not (slash and number.isdigit() and int(number) > 0 and period[:1] in _RATE_PERIODS):
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a rate; write requests/period, as 10/minute (second, minute, hour or day)."
        )
    return raw.strip()


def env_time_zone(name: str, default: str) -> str:
    """An IANA time zone name ("Asia/Shanghai"), checked against the zone database this process has."""
    import zoneinfo

    value = env_str(name, default).strip()
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(f"{name}={value!r} is not a time zone name such as Asia/Shanghai.") from None
    return value


def env_url(name: str, default: str, *, schemes: set[str]) -> str:
    value = env_str(name, default)
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.netloc:
        raise ImproperlyConfigured(f"{name}={value!r} must be a URL starting with {' or '.join(sorted(schemes))}://.")
    return value


def env_dotted_path(name: str, default: str) -> str:
    """A class named by its dotted path (EMAIL_BACKEND): it must import now, not when the first mail goes out."""
    from django.utils.module_loading import import_string

    value = env_str(name, default)
    try:
        import_string(value)
    except ImportError:
        raise ImproperlyConfigured(f"{name}={value!r} does not name a class that can be imported.") from None
    return value


def env_secret(name: str, default: str | None = None) -> str:
    """A secret from NAME, or from the file NAME_FILE names (as Docker and Kubernetes secrets provide them).

    The file's content is the value, without the line end an editor adds. Both set is refused: which one wins
    would be a guess. An unreadable or empty file stops the start as a missing value would.
    """
    file_name = f"{name}_FILE"
    path = os.environ.get(file_name)
    if path is None:
        return env_str(name, default)
    if name in os.environ:
        raise ImproperlyConfigured(f"{name} and {file_name} are both set; set only one of them.")
    try:
        with open(path, encoding="utf-8") as file:
            value = file.read().rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as error:
        raise ImproperlyConfigured(
            f"{file_name}={path!r} cannot be read: {getattr(error, 'strerror', None) or error}."
        ) from None
    if not value:
        raise ImproperlyConfigured(f"{file_name}={path!r} is an empty file.")
    return value


def env_admins(name: str) -> list[tuple[str, str]]:
    """ADMINS as Django wants it, from "Name <address>, other@example.org"."""
    from email.utils import getaddresses

    raw = env_str(name, "")
    if not raw.strip():
        return []
    people = getaddresses([raw])
    if not people or any("@" not in address for _, address in people):
        raise ImproperlyConfigured(f"{name}={raw!r} must be comma-separated mail addresses (Name <address>).")
    return [(person or address, address) for person, address in people]


def env_origins(name: str) -> list[str]:
    """CSRF_TRUSTED_ORIGINS: each with its scheme (https://tracker.example.org), as Django's check wants, which
    gunicorn never runs: a bare host would only make every form post from it fail."""
    origins = env_list(name, [])
    for origin in origins:
        if urlsplit(origin).scheme not in {"http", "https"} or "://" not in origin:
            raise ImproperlyConfigured(f"{name} entry {origin!r} must start with https:// (or http://).")
    return origins


def env_address(name: str, default: str) -> str:
    """A sender address, "Name <address>" or "address": a bad one would fail only as the first mail goes out."""
    from email.utils import parseaddr

    value = env_str(name, default)
    _, address = parseaddr(value)
    local, at, domain = address.rpartition("@")
    if not (at and local and domain) or value.count("<") != value.count(">"):
        raise ImproperlyConfigured(f"{name}={value!r} is not a mail address (Name <address@example.org>).")
    return value


def env_fraction(name: str, default: float) -> float:
    """A number from 0 to 1 (a sampling rate such as SENTRY_TRACES_SAMPLE_RATE)."""
    import math

    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number from 0 to 1.") from None
    if not (math.isfinite(value) and 0 <= value <= 1):
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number from 0 to 1.")
    return value


def env_networks(name: str, default: list[str]) -> list[str]:
    """Comma-separated networks in CIDR notation ("127.0.0.1/32,10.8.0.0/16"; a bare address is one host)."""
    import ipaddress

    networks = env_list(name, default)
    if not networks:
        raise ImproperlyConfigured(f"{name} is empty; name at least one network (127.0.0.1/32).")
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            raise ImproperlyConfigured(f"{name} entry {network!r} is not a network such as 10.8.0.0/16.") from None
    return networks


def env_sentry_dsn(name: str) -> str:
    """An error-reporting DSN as Sentry and GlitchTip write it: http(s)://KEY@host[:port]/PROJECT (or "")."""
    value = env_secret(name, "").strip()
    if not value:
        return ""
    parts = urlsplit(value)
    project = parts.path.rstrip("/").rpartition("/")[2]
    if parts.scheme not in {"http", "https"} or not parts.hostname or not parts.username or not project.isdigit():
        raise ImproperlyConfigured(
            f"{name} is not a DSN; copy it from the project's settings: https://KEY@sentry.example.org/PROJECT."
        )
    return value
