from django.db import migrations


def add_defaults(apps, schema_editor):
    from amends.cases.services import categories_seed

    categories_seed(apps.get_model("cases", "Category"))


class Migration(migrations.Migration):
    dependencies = [("cases", "0010_category")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
