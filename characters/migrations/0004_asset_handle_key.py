import unicodedata

from django.db import migrations, models
from django.db.models import Q


def fold(value):
    # characters.mentions.fold_handle as of this migration.
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value).casefold())


def fill_handle_keys(apps, schema_editor):
    Asset = apps.get_model("characters", "Asset")
    for asset in Asset.objects.only("pk", "handle").iterator():
        Asset.objects.filter(pk=asset.pk).update(handle_key=fold(asset.handle))


class Migration(migrations.Migration):
    dependencies = [("characters", "0003_drop_unused_asset_proxies")]

    operations = [
        migrations.AddField(
            model_name="asset",
            name="handle_key",
            field=models.CharField(default="", editable=False, max_length=96),
            preserve_default=False,
        ),
        migrations.RunPython(fill_handle_keys, migrations.RunPython.noop),
    ]
