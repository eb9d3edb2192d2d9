"""The Simplified Chinese catalog is complete, compiled, and covers every string in the code.

Refresh the catalog after changing translatable strings:

    .venv/bin/python manage.py makemessages -l zh_Hans \
        --ignore=.venv --ignore=var --ignore=tests --ignore=bench
    # translate the new or changed entries in locale/zh_Hans/LC_MESSAGES/django.po, remove "#, fuzzy"
    .venv/bin/python manage.py compilemessages --ignore=.venv

The compiled django.mo is committed, because machines without GNU gettext cannot compile it. The test that
re-extracts the strings needs gettext: outside CI it is skipped when gettext is missing; in CI (CI=true) it
fails instead, so a missing translation can never pass unnoticed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from fnmatch import fnmatch
from pathlib import Path

import polib
import pytest

PROJECT = Path(__file__).resolve().parent.parent
LOCALE = "zh_Hans"
MESSAGES = PROJECT / "locale" / LOCALE / "LC_MESSAGES"
PO_PATH = MESSAGES / "django.po"
MO_PATH = MESSAGES / "django.mo"

# The same --ignore patterns as the refresh command above; Django adds '.*', 'CVS', '*~' and '*.pyc' itself.
IGNORE = (".venv", "var", "tests", "bench")
# What `makemessages -d django` reads by default; nothing else needs copying to re-extract the strings.
SOURCE_SUFFIXES = (".py", ".html", ".txt")
GETTEXT_TOOLS = ("xgettext", "msgmerge", "msguniq")

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# A printf-style placeholder as Python's % operator reads it: %(name)s, %(count)d, %s, %.1f; not %%.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa]")


def key(entry: polib.POEntry | polib.MOEntry) -> tuple[str, str]:
    return (entry.msgctxt or "", entry.msgid)


def label(entry_key: tuple[str, str]) -> str:
    context, msgid = entry_key
    return f"[{context}] {msgid!r}" if context else repr(msgid)


def translations(entry: polib.POEntry | polib.MOEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def placeholders(text: str) -> Counter[str]:
    return Counter(PLACEHOLDER.findall(text))


@pytest.fixture(scope="module")
def catalog() -> polib.POFile:
    assert PO_PATH.is_file(), f"{PO_PATH} is missing; run makemessages (see this module)."
    return polib.pofile(str(PO_PATH))


def entries(catalog: polib.POFile) -> list[polib.POEntry]:
    return [entry for entry in catalog if not entry.obsolete]


def test_the_header_declares_the_language_plural_forms_and_utf8(catalog):
    assert not catalog.metadata_is_fuzzy, "Remove '#, fuzzy' from the header entry."
    assert catalog.metadata.get("Language") == LOCALE
    assert catalog.metadata.get("Plural-Forms", "").replace(" ", "") == "nplurals=1;plural=0;"
    assert "charset=UTF-8" in catalog.metadata.get("Content-Type", "")
    assert len(entries(catalog)) > 0


def test_every_entry_is_translated_and_not_fuzzy(catalog):
    fuzzy = [label(key(entry)) for entry in entries(catalog) if "fuzzy" in entry.flags]
    untranslated = [
        label(key(entry)) for entry in entries(catalog) if not all(text.strip() for text in translations(entry))
    ]
    problems = [
        f"{len(found)} {what} entries: {', '.join(found)}"
        for what, found in [("fuzzy", fuzzy), ("untranslated", untranslated)]
        if found
    ]
    assert not problems, f"{PO_PATH.name} is incomplete:\n" + "\n".join(problems)


def test_every_translation_keeps_the_placeholders_of_its_msgid(catalog):
    wrong = []
    for entry in entries(catalog):
        if "python-format" not in entry.flags:
            continue
        for text in translations(entry):
            # Each plural form keeps the placeholders of the plural msgid (Chinese has one form).
            expected = placeholders(entry.msgid_plural or entry.msgid)
            if placeholders(text) != expected:
                wrong.append(f"{label(key(entry))}: expected {sorted(expected.elements())}, got {text!r}")
    assert not wrong, "Translations that change python-format placeholders:\n" + "\n".join(wrong)


def test_the_committed_mo_file_holds_exactly_the_translations_of_the_po_file(catalog):
    assert MO_PATH.is_file(), f"{MO_PATH} is missing; run compilemessages (see this module)."
    compiled = polib.mofile(str(MO_PATH))
    # msgfmt leaves out fuzzy and untranslated entries; mirror that so this test is only about staleness.
    expected = {
        key(entry): translations(entry)
        for entry in entries(catalog)
        if entry.msgid and "fuzzy" not in entry.flags and all(translations(entry))
    }
    actual = {key(entry): translations(entry) for entry in compiled if entry.msgid}
    stale = sorted(label(k) for k in expected.keys() & actual.keys() if expected[k] != actual[k])
    not_compiled = sorted(label(k) for k in expected.keys() - actual.keys())
    leftover = sorted(label(k) for k in actual.keys() - expected.keys())
    problems = [
        f"{title}: {', '.join(found)}"
        for title, found in [
            ("translated differently in the .mo", stale),
            ("missing from the .mo", not_compiled),
            ("only in the .mo", leftover),
        ]
        if found
    ]
    assert not problems, (
        f"{MO_PATH.name} is out of date with {PO_PATH.name}; run "
        "`.venv/bin/python manage.py compilemessages --ignore=.venv`.\n" + "\n".join(problems)
    )
    for field in ("Language", "Plural-Forms"):
        assert compiled.metadata.get(field) == catalog.metadata.get(field), f"{field} differs in the .mo."


def _ignored(name: str) -> bool:
    return name.startswith(".") or name == "__pycache__" or any(fnmatch(name, pattern) for pattern in IGNORE)


def _copy_sources(destination: Path) -> None:
    """Copy what makemessages would read (and what the settings need to import) into `destination`."""

    def skip(directory: str, names: list[str]) -> set[str]:
        here = Path(directory)
        return {
            name
            for name in names
            if _ignored(name)
            or name.endswith(".egg-info")
            or ((here / name).is_file() and not name.endswith(SOURCE_SUFFIXES))
        }

    for item in PROJECT.iterdir():
        if _ignored(item.name) or item.name.endswith(".egg-info") or item.name == "locale":
            continue
        if item.is_dir():
            shutil.copytree(item, destination / item.name, ignore=skip)
        elif item.suffix in SOURCE_SUFFIXES:
            shutil.copy2(item, destination / item.name)
    (destination / PO_PATH.relative_to(PROJECT)).parent.mkdir(parents=True)
    shutil.copy2(PO_PATH, destination / PO_PATH.relative_to(PROJECT))


def where(entry: polib.POEntry) -> str:
    return ", ".join(f"{path}:{line}" for path, line in entry.occurrences)


def test_makemessages_finds_no_string_that_the_catalog_lacks(tmp_path):
    missing_tools = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]
    if missing_tools:
        message = f"GNU gettext ({', '.join(missing_tools)}) is not on PATH; strings cannot be re-extracted."
        if IN_CI:
            pytest.fail(message + " CI must install gettext.", pytrace=False)
        pytest.skip(message + " Skipped outside CI.")
    _copy_sources(tmp_path)
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "tracker.settings",
        "PYTHONPATH": str(tmp_path),
        "TRACKER_VAR_DIR": str(tmp_path / "var"),
    }
    command = [sys.executable, "-m", "django", "makemessages", "-l", LOCALE]
    command += [f"--ignore={pattern}" for pattern in IGNORE]
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"

    regenerated = polib.pofile(str(tmp_path / PO_PATH.relative_to(PROJECT)))
    committed = {key(entry) for entry in entries(polib.pofile(str(PO_PATH)))}
    new = [entry for entry in regenerated if not entry.obsolete and key(entry) not in committed]
    assert not new, (
        f"{len(new)} strings in the code are missing from {PO_PATH.relative_to(PROJECT)}; run makemessages, "
        "translate them and run compilemessages (see tests/test_translations.py):\n"
        + "\n".join(f"{label(key(entry))}  ({where(entry)})" for entry in new)
    )
