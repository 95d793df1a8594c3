"""The database cache's table (settings.CACHES without Redis), created wherever the database is migrated."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor) -> None:
    call_command("createcachetable", database=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_businesscalendar")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
