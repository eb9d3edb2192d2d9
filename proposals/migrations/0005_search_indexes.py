"""Indexes for the proposal text search on PostgreSQL (selectors.text_search builds the matching queries).

The four fields are searched as one upper-cased text, fields joined by a newline. A term of 3+ characters
is a LIKE over that text, served by a trigram index; pg_trgm cannot serve shorter terms (Chinese words are
often one or two characters), so a second index holds every 1- and 2-character substring of the text and
answers `@> ARRAY[term]` exactly.

Both functions are declared IMMUTABLE, as an expression index requires, though upper() depends on the
database's collation: should that change, the indexes must be rebuilt (REINDEX), as for any text index.
"""

from django.db import migrations

POSTGRESQL = r"""
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE FUNCTION proposal_search_text(title text, background text, research_findings text, recommendations text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN upper(title || E'\n' || background || E'\n' || research_findings || E'\n' || recommendations);

-- Every character and every pair of neighbouring characters, with the pairs taken at even offsets and at
-- odd ones by regexp_replace: passes in C, about 35 times faster than substr() in a generate_series loop.
-- Runs of whitespace and control characters (the field separator among them) are first made one \x01:
-- entries holding it are never looked up, as text_search sends terms with such characters to the LIKE.
-- Duplicates are left in; GIN stores each key of a row once.
-- COST: a call takes about 0.1 ms. At the default the planner takes it for cheap and, for a term in one
-- proposal of 500, scans a million rows backwards calling it on each (3.6 s at 1M, docs/performance.md)
-- instead of asking the index (13 ms); common terms still go backwards, finding their page at once.
CREATE FUNCTION proposal_search_grams(search_text text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
COST 5000
BEGIN ATOMIC
    SELECT array_remove(
        regexp_split_to_array(u, '')
        || string_to_array(regexp_replace(u, '(..)', E'\\1\x02', 'g'), E'\x02')
        || string_to_array(regexp_replace(substr(u, 2), '(..)', E'\\1\x02', 'g'), E'\x02'),
        ''
    )
    FROM (SELECT regexp_replace(search_text, '[\x01-\x20\x7f\u3000]+', E'\x01', 'g') AS u) AS normalised;
END;

CREATE INDEX proposal_search_trgm ON proposals_proposal
    USING gin (proposal_search_text(title, background, research_findings, recommendations) gin_trgm_ops);
CREATE INDEX proposal_search_grams ON proposals_proposal
    USING gin (proposal_search_grams(proposal_search_text(title, background, research_findings, recommendations)));
"""
# pg_trgm stays: other code may use it, and dropping an extension needs more rights than creating it.
POSTGRESQL_REVERSE = """
DROP INDEX proposal_search_grams;
DROP INDEX proposal_search_trgm;
DROP FUNCTION proposal_search_grams(text);
DROP FUNCTION proposal_search_text(text, text, text, text);
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_REVERSE, params=None)


class Migration(migrations.Migration):
    dependencies = [("proposals", "0004_calendar_token_document_export")]
    operations = [migrations.RunPython(forward, backward)]
