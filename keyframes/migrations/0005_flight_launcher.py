from django.db import migrations, models

SWEEP = "keyframes.tasks.resume_stalled_flights"


def schedule_sweep(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.get_or_create(
        func=SWEEP,
        defaults={"name": "Resume stalled Auto-Flights", "schedule_type": "I", "minutes": 1},
    )


def unschedule_sweep(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=SWEEP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("keyframes", "0004_reaper_schedule"),
    ]

    operations = [
        migrations.AddField(
            model_name="flight",
            name="launcher_seen_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(schedule_sweep, unschedule_sweep),
    ]
