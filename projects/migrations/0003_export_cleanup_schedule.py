from django.db import migrations

CLEANUP = "projects.tasks.remove_expired_exports"


def schedule_cleanup(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.get_or_create(
        func=CLEANUP,
        defaults={"name": "Remove expired exports", "schedule_type": "H"},
    )


def unschedule_cleanup(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=CLEANUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0002_cut_candidates_ready_status"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(schedule_cleanup, unschedule_cleanup)]
