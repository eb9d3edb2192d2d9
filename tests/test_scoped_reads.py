"""Every scoped read goes through proposals.selectors: the web, the API, the forms and the reports never read
sessions, organisations, delegates, proposals or people from a model's manager themselves.

What such a read returns is what someone may see or choose, so it is decided once, in the selectors, and the
web and the API offer the same. The one use allowed is `Model.objects.none()`: a form field's placeholder,
which reads nothing and which the form replaces with the user's choices when it is made.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import api
import proposals.forms
import proposals.reporting
import web

SCOPED_MODELS = {"Session", "Organisation", "Delegate", "Proposal", "User"}


def _sources() -> list[Path]:
    files = [Path(inspect.getsourcefile(proposals.forms))]
    for package in (api, web, proposals.reporting):
        folder = Path(package.__file__).parent
        files += sorted(folder.rglob("*.py"))
    return files


def _model_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):  # selectors.Session.objects
        return node.attr
    return None


def _is_placeholder(manager: ast.Attribute, parents: dict[ast.AST, ast.AST]) -> bool:
    """`Model.objects.none()`, called with nothing."""
    method = parents.get(manager)
    call = parents.get(method)
    return (
        isinstance(method, ast.Attribute)
        and method.attr == "none"
        and isinstance(call, ast.Call)
        and call.func is method
        and not call.args
    )


def direct_reads(source: str) -> list[str]:
    """Each `Model.objects...` of a scoped model in the source, but placeholders, as "line: Model.objects"."""
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr == "objects"):
            continue
        model = _model_name(node.value)
        if model in SCOPED_MODELS and not _is_placeholder(node, parents):
            found.append(f"{node.lineno}: {model}.objects")
    return found


def test_the_web_the_api_the_forms_and_the_reports_read_through_the_selectors():
    offenders = {str(path): reads for path in _sources() if (reads := direct_reads(path.read_text(encoding="utf-8")))}
    assert offenders == {}, "read these through proposals.selectors (sessions_visible_to, organisations_in_scope...)"


def test_the_check_finds_a_direct_read_and_lets_a_placeholder_pass():
    source = (
        "session = forms.ModelChoiceField(queryset=Session.objects.none())\n"
        "choices = Session.objects.all()\n"
        "mine = selectors.Organisation.objects.filter(pk=1)\n"
        "others = Organisation.objects.none().union(Organisation.objects.all())\n"
    )
    assert direct_reads(source) == ["2: Session.objects", "3: Organisation.objects", "4: Organisation.objects"]
