"""The sweep's high-water marks exist from the start, so concurrent first sweeps only lock them."""

from django.db import migrations


def create_marks(apps, schema_editor):  # type: ignore[no-untyped-def]
    SweepMark = apps.get_model("supervision", "SweepMark")
    for name in ("step", "breach", "clock", "completed"):
        SweepMark.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_initial")]
    operations = [migrations.RunPython(create_marks, migrations.RunPython.noop)]
