"""Debian 12's own python3 (3.11.2), the one docs/operations.md installs the tracker with, runs what the CI's newer
Python would hide: tarfile's "data" filter came with 3.11.4, and `restore` once called it unconditionally, so every
restore on the documented server stopped with "TypeError: ... unexpected keyword argument 'filter'".

The tracker's code and this virtualenv's packages (pure Python, or built for the same 3.11 ABI) are put on the system
interpreter's path; /usr/bin/python3 is required (python3 of `.ci/debian-packages`), never skipped.
"""

from __future__ import annotations

import io
import json
import site
import subprocess
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVER_PYTHON = Path("/usr/bin/python3")

EXTRACT = """
import json, sys, tarfile
from pathlib import Path
sys.path[:0] = json.loads(sys.argv[1])
from tracker.backup import extract_members
archive, target = sys.argv[2:4]
with tarfile.open(archive, "r:gz") as tar:
    extract_members(tar, Path(target))
print(sys.version.split()[0])
"""


def test_the_servers_python_extracts_a_backup(tmp_path):
    if not SERVER_PYTHON.is_file():
        pytest.fail(f"{SERVER_PYTHON} is missing: Debian's python3 (`bash .ci/debian-packages`).", pytrace=False)
    archive = tmp_path / "backup.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in (("manifest.json", b"{}"), ("media/evidence/a.pdf", b"%PDF-1.4 evidence")):
            member = tarfile.TarInfo(name)
            member.size, member.mode = len(data), 0o4777  # a setuid, world-writable file is not restored as such
            tar.addfile(member, io.BytesIO(data))
    target = tmp_path / "work"
    target.mkdir()
    paths = [str(ROOT), *site.getsitepackages()]
    result = subprocess.run(
        [str(SERVER_PYTHON), "-c", EXTRACT, json.dumps(paths), str(archive), str(target)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "tracker.settings"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (target / "media" / "evidence" / "a.pdf").read_bytes() == b"%PDF-1.4 evidence"
    assert (target / "media" / "evidence" / "a.pdf").stat().st_mode & 0o7777 == 0o755
