from django.db import migrations


def create_singletons(apps, schema_editor):  # type: ignore[no-untyped-def]
    # The sequencer and tree head are single rows that actions and the integrator lock.
    apps.get_model("ledger", "Sequencer").objects.get_or_create(pk=1, defaults={"next_index": 0})
    apps.get_model("ledger", "TreeHead").objects.get_or_create(pk=1, defaults={"size": 0, "root": b""})


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(create_singletons, migrations.RunPython.noop)]
