"""Quality agreements move from the quality app to the registry. The tables keep their names (and so their audit
history): this migration changes Django's state only."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0001_initial"),
        ("quality", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="QualityAgreement",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("reference", models.CharField(max_length=60, unique=True, verbose_name="reference")),
                        ("effective_from", models.DateField(verbose_name="effective from")),
                        ("effective_until", models.DateField(blank=True, null=True, verbose_name="effective until")),
                        (
                            "contract_manufacturer",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="agreements_as_contractor",
                                to="registry.enterprise",
                            ),
                        ),
                        (
                            "holder",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="agreements_as_holder",
                                to="registry.enterprise",
                            ),
                        ),
                    ],
                    options={"ordering": ["reference"], "db_table": "quality_qualityagreement"},
                ),
                migrations.CreateModel(
                    name="QualityAgreementProduct",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "agreement",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="product_links",
                                to="registry.qualityagreement",
                            ),
                        ),
                        (
                            "product",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="agreement_links",
                                to="registry.product",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "quality_qualityagreementproduct",
                        "constraints": [
                            models.UniqueConstraint(fields=("agreement", "product"), name="uniq_agreement_product")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
