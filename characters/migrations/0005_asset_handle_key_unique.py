from django.db import migrations, models
from django.db.models import Q


class Migration(migrations.Migration):
    # Apart from 0004: PostgreSQL refuses to alter a table with row updates pending in the
    # same transaction.
    dependencies = [("characters", "0004_asset_handle_key")]

    operations = [
        migrations.RemoveConstraint(model_name="asset", name="asset_handle_unique_per_project_ci"),
        migrations.AddConstraint(
            model_name="asset",
            constraint=models.UniqueConstraint(
                fields=("project", "handle_key"), name="asset_handle_key_unique_per_project"
            ),
        ),
        migrations.AddConstraint(
            model_name="asset",
            constraint=models.CheckConstraint(
                condition=~Q(handle_key=""), name="asset_handle_key_set"
            ),
        ),
    ]
