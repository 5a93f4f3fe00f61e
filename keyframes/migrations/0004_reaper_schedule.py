from django.db import migrations

REAPER = "keyframes.tasks.reap_stale_jobs"


def schedule_reaper(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.get_or_create(
        func=REAPER,
        defaults={"name": "Reap stale generation jobs", "schedule_type": "I", "minutes": 1},
    )


def unschedule_reaper(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=REAPER).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("keyframes", "0003_provider_gate"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(schedule_reaper, unschedule_reaper)]
