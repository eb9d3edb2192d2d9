"""Print the workflow's state diagram (Mermaid), or write it into the README between its markers."""

import re
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from proposals.workflow import mermaid_diagram

START, END = "<!-- workflow-diagram:start -->", "<!-- workflow-diagram:end -->"


def readme_block() -> str:
    return f"{START}\n```mermaid\n{mermaid_diagram()}\n```\n{END}"


def replace_block(text: str) -> str:
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"README.md has no {START} … {END} block")
    return pattern.sub(lambda _match: readme_block(), text)


class Command(BaseCommand):
    help = "Print the workflow state diagram generated from proposals/workflow.py, or update README.md with it."

    def add_arguments(self, parser):
        parser.add_argument("--write-readme", action="store_true", help="Replace the diagram block in README.md.")

    def handle(self, *args, write_readme: bool, **options):
        if not write_readme:
            self.stdout.write(mermaid_diagram())
            return
        readme = Path(settings.BASE_DIR) / "README.md"
        readme.write_text(replace_block(readme.read_text(encoding="utf-8")), encoding="utf-8")
        self.stdout.write(f"Updated the workflow diagram in {readme}")
