from django.db import migrations


def seed(apps, schema_editor):
    from jingzhun.registry.defaults import NATIONAL_DEFAULTS

    StandardParameters = apps.get_model("registry", "StandardParameters")
    for row in NATIONAL_DEFAULTS:
        StandardParameters.objects.update_or_create(
            province_code=row["province_code"], year=row["year"], defaults=row
        )


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
