"""An action's inputs are declared once, in the workflow table: the effects read only those, and the API's request
body and the web and admin forms offer exactly those."""

import ast
import inspect
import textwrap

import pytest

from api.serializers import TransitionRequestSerializer
from proposals.forms import TransitionForm
from proposals.services.transitions import EFFECTS
from proposals.workflow import ACTIONS, ACTIONS_BY_NAME, INPUTS_BY_NAME, ActionOption
from web.forms import ActionForm


def inputs_read_by(effect) -> set[str]:
    """The inputs an effect reads, as inputs["name"] or inputs.get("name"); any other use of them fails."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(effect)))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    read = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Name) and node.id == "inputs"):
            continue
        parent = parents[node]
        if isinstance(parent, ast.Subscript) and isinstance(parent.slice, ast.Constant):
            read.add(parent.slice.value)
        elif isinstance(parent, ast.Attribute) and parent.attr == "get":
            call = parents[parent]
            assert isinstance(call, ast.Call) and isinstance(call.args[0], ast.Constant), ast.unparse(call)
            read.add(call.args[0].value)
        else:
            pytest.fail(f"{effect.__name__} uses its inputs in a way this test cannot follow: {ast.unparse(parent)}")
    return read


def test_every_effect_belongs_to_an_action_of_the_table():
    assert set(EFFECTS) <= set(ACTIONS_BY_NAME)


@pytest.mark.parametrize("action", sorted(EFFECTS))
def test_an_effect_reads_only_the_inputs_its_action_declares(action):
    declared = {action_input.name for action_input in ACTIONS_BY_NAME[action].inputs}
    assert inputs_read_by(EFFECTS[action]) <= declared


def test_the_effects_read_the_inputs_of_their_actions():
    # That the reading above finds what the effects read, not nothing.
    assert inputs_read_by(EFFECTS["submit"]) == {"reference_number", "submitted_on"}
    assert inputs_read_by(EFFECTS["rate"]) == {"unit", "rating"}


def test_an_input_name_means_one_declaration_whichever_actions_take_it():
    # The unit is one input of four actions: the request body and the forms have one field for it.
    for action in ACTIONS:
        for action_input in action.inputs:
            assert INPUTS_BY_NAME[action_input.name] is action_input
    assert {a.name for a in ACTIONS if INPUTS_BY_NAME["unit"] in a.inputs} == {
        "assign_unit",
        "record_answer",
        "rate",
        "extend_answer",
    }


def test_the_api_request_body_takes_every_declared_input_with_its_help_text():
    fields = TransitionRequestSerializer().fields
    assert set(fields) - {"action", "note"} == set(INPUTS_BY_NAME)
    for name, action_input in INPUTS_BY_NAME.items():
        assert (fields[name].required, fields[name].help_text) == (False, action_input.help_text)


def test_the_web_form_offers_every_declared_input_with_its_label():
    fields = ActionForm().fields
    assert set(fields) - {"note", "action", "expected_version"} == set(INPUTS_BY_NAME)
    for name, action_input in INPUTS_BY_NAME.items():
        assert (fields[name].required, fields[name].label) == (False, action_input.label)


@pytest.mark.parametrize("action", ACTIONS, ids=lambda action: action.name)
def test_the_admin_form_offers_the_inputs_of_the_action_possible_now(action):
    form = TransitionForm(proposal=None, user=None, options=[ActionOption(action, None)])
    assert list(form.fields) == ["action", "note", *(action_input.name for action_input in action.inputs)]
