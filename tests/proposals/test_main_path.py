"""The main path, declared once in the workflow table, is what the imports, the demo and the statistics read."""

from proposals.workflow import MAIN_PATH, State, main_path_action, reached


def test_one_action_of_the_table_leads_along_each_step_of_the_main_path():
    names = [main_path_action(state).name for state in MAIN_PATH[1:]]
    assert names == ["start_research", "start_consultation", "finalise", "submit", "register", "assign_unit",
                     "record_answer", "rate"]  # fmt: skip


def test_the_branches_count_as_the_state_they_left_from():
    assert reached(State.NOT_REGISTERED, State.SUBMITTED) and not reached(State.NOT_REGISTERED, State.REGISTERED)
    assert reached(State.WITHDRAWN, State.DRAFT) and not reached(State.WITHDRAWN, State.RESEARCH)
    assert all(reached(State.CLOSED, state) for state in MAIN_PATH)
