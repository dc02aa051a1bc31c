"""Quality agreements now belong to ``bioseg.registry`` (its migration 0002 takes over the same tables)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("quality", "0001_initial"),
        ("registry", "0002_qualityagreement"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="QualityAgreementProduct"),
                migrations.DeleteModel(name="QualityAgreement"),
            ],
            database_operations=[],
        ),
    ]
