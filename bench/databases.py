"""One benchmark database per vendor and size, generated once and reused while its data is current.

PostgreSQL: tracker_bench_<label> on the server of BENCH_POSTGRES_URL (BENCH_DATABASE_PREFIX, default
"tracker_bench_", lets two checkouts share a server). SQLite: var/bench/bench-<label>.sqlite3.
A database whose bench_meta row does not match the wanted size, seed and generator version is made anew.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PREFIX = os.environ.get("BENCH_DATABASE_PREFIX", "tracker_bench_")
SEED = 20261127
SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}


@dataclass(frozen=True)
class Target:
    vendor: str  # "postgresql" or "sqlite"
    label: str  # "10k", "100k", "1M"

    @property
    def size(self) -> int:
        return SIZES[self.label]

    @property
    def name(self) -> str:
        return f"{PREFIX}{self.label.lower()}"

    @property
    def url(self) -> str:
        if self.vendor == "sqlite":
            return f"sqlite:///{ROOT / 'var' / 'bench' / f'bench-{self.label}.sqlite3'}"
        return POSTGRES_URL.rsplit("/", 1)[0] + "/" + self.name

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a process working on this database (development settings unless extra says)."""
        return {
            **os.environ, "DATABASE_URL": self.url, "DJANGO_SETTINGS_MODULE": "bench.settings",
            "TRACKER_VAR_DIR": str(ROOT / "var" / "bench" / "run"), "PYTHONPATH": str(ROOT), **extra,
        }  # fmt: skip


def run_python(target: Target, *args: str, **extra_env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=target.env(**extra_env), check=True,
                          stdout=subprocess.PIPE, text=True)  # fmt: skip


def recreate(target: Target) -> None:
    if target.vendor == "sqlite":
        path = Path(target.url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{target.name}" WITH (FORCE)')
        # A UTF-8 character class, so that pg_trgm takes Chinese characters for letters (under "C" it drops them).
        locale = "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
        admin.execute(f"CREATE DATABASE \"{target.name}\" TEMPLATE template0 ENCODING 'UTF8' {locale}")
