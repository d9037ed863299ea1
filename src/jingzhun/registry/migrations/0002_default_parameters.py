from django.db import migrations


def seed(apps, schema_editor):
    from jingzhun.registry.defaults import ensure_national_defaults

    ensure_national_defaults(apps.get_model("registry", "StandardParameters"))


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
