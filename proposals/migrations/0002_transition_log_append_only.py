"""The transition log is append-only in the database too, not only in the model."""

from django.db import migrations

POSTGRESQL = """
CREATE FUNCTION proposals_transition_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the transition log is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER proposals_transition_append_only
    BEFORE UPDATE OR DELETE ON proposals_transition
    FOR EACH ROW EXECUTE FUNCTION proposals_transition_append_only();
"""
POSTGRESQL_REVERSE = """
DROP TRIGGER proposals_transition_append_only ON proposals_transition;
DROP FUNCTION proposals_transition_append_only();
"""
# SQLite: updates only. Its test flush empties tables with DELETE, which a delete trigger would block.
SQLITE = """
CREATE TRIGGER proposals_transition_append_only BEFORE UPDATE ON proposals_transition
BEGIN SELECT RAISE(ABORT, 'the transition log is append-only (UPDATE refused)'); END;
"""
SQLITE_REVERSE = "DROP TRIGGER proposals_transition_append_only;"


def forward(apps, schema_editor):
    sql = {"postgresql": POSTGRESQL, "sqlite": SQLITE}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql, params=None)


def backward(apps, schema_editor):
    sql = {"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("proposals", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
