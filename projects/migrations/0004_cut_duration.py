from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('projects', '0003_export_cleanup_schedule'),
    ]

    operations = [
        migrations.AddField(
            model_name='cut',
            name='duration_override',
            field=models.DecimalField(blank=True, decimal_places=1, help_text='Seconds the cut lasts in takes and the animatic; empty follows the shot size.', max_digits=3, null=True),
        ),
        migrations.AddConstraint(
            model_name='cut',
            constraint=models.CheckConstraint(condition=models.Q(('duration_override__isnull', True), models.Q(('duration_override__gte', 1), ('duration_override__lte', 30)), _connector='OR'), name='cut_duration_1_to_30_seconds'),
        ),
    ]
