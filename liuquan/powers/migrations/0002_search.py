from django.db import migrations


def create_search(apps, schema_editor):  # type: ignore[no-untyped-def]
    # Substring search over published items that works for 2-character words: an FTS5 trigram table on
    # SQLite, a trigram GIN index on PostgreSQL; queries of 1-2 characters scan the same compact table.
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("CREATE VIRTUAL TABLE powers_search USING fts5(text, tokenize='trigram')")
    else:
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute("CREATE TABLE powers_search (rowid bigint PRIMARY KEY, text text NOT NULL)")
        schema_editor.execute("CREATE INDEX powers_search_trgm ON powers_search USING gin (text gin_trgm_ops)")


def drop_search(apps, schema_editor):  # type: ignore[no-untyped-def]
    schema_editor.execute("DROP TABLE IF EXISTS powers_search")


class Migration(migrations.Migration):
    dependencies = [("powers", "0001_initial")]
    operations = [migrations.RunPython(create_search, drop_search)]
