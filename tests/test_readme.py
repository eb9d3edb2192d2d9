"""The README's workflow section is generated from, and kept in step with, the workflow table."""

from pathlib import Path

from django.conf import settings

from proposals.management.commands.workflow_diagram import readme_block
from proposals.workflow import ACTIONS

README = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")


def test_the_readme_diagram_is_the_one_the_table_generates():
    assert readme_block() in README, "run: python manage.py workflow_diagram --write-readme"


def test_the_readme_names_every_action_and_every_guard_code():
    for action in ACTIONS:
        assert f"`{action.name}`" in README or f"{action.name}" in README, action.name
        for guard in action.guards:
            assert f"`{guard.code}`" in README, guard.code
