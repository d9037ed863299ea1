from django.db import migrations


def seed(apps, schema_editor):
    from jingzhun.accounts.models import ensure_default_permissions

    ensure_default_permissions(apps.get_model("accounts", "FunctionPermission"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_function_permissions")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
