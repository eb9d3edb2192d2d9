"""Helpers of the Content-Security-Policy in tracker/settings.py."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

_STYLE_ATTRIBUTE = re.compile(r'style="([^"{]*)"')


def csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def style_attribute_hashes(templates: Path) -> list[str]:
    """The hash of each fixed style="..." value in a package's templates, for style-src-attr: exactly these
    values are allowed, read from the installed version, so an upgrade cannot silently break its pages."""
    values = {
        value for path in sorted(templates.rglob("*.html")) for value in _STYLE_ATTRIBUTE.findall(path.read_text())
    }
    return sorted(csp_hash(value) for value in values)
