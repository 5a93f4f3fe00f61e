"""`manage.py autoflight`: plan, refuse, launch, wait, summarise and resume."""

import io
import os
import signal
import threading

import pytest
from django.core.management import CommandError, call_command
from django_q.conf import Conf

from credits.models import CreditTransaction
from credits.services import balance_of
from keyframes.flight_launch import create_flight, record_planned_cuts, start_cut
from keyframes.flights import plan_flight
from keyframes.generation import start_generation
from keyframes.management.commands.demo import DEMO_CREDITS, DEMO_TITLE
from keyframes.models import Flight, GenerationJob, Keyframe
from projects.models import Project
from tests.factories import make_cut, make_project, make_user


@pytest.fixture
def demo_project(db, settings):
    settings.DEBUG = True  # the demo command runs on development sites only
    call_command("demo", stdout=io.StringIO())
    return Project.objects.get(title=DEMO_TITLE)


@pytest.fixture
def jobs_run_inline(monkeypatch):
    """No worker runs in tests: django-q runs each queued task in this process instead."""
    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture
def replicate_project(fake_provider):
    """Six cuts with written prompts, paid with flux-2-pro (5 credits an image) at the fake."""
    owner = make_user(email="flyer@example.com", credits=200)
    project = make_project(owner=owner, title="Night market", aspect_ratio="16:9")
    for number in range(1, 7):
        make_cut(project=project, script=f"Stall {number}", prompt=f"A lantern stall, {number}")
    return project


def autoflight(*args) -> str:
    out = io.StringIO()
    call_command("autoflight", *[str(arg) for arg in args], stdout=out, stderr=out)
    return out.getvalue()


def refused_with(code: int, *args) -> tuple[CommandError, str]:
    out = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("autoflight", *[str(arg) for arg in args], stdout=out, stderr=out)
    assert raised.value.returncode == code
    return raised.value, out.getvalue()


def plan_rows(output: str) -> dict[str, list[str]]:
    rows = {}
    for line in output.splitlines():
        cells = line.split()
        if cells and cells[0].isdigit():
            rows[cells[0]] = cells
    return rows


@pytest.mark.django_db
def test_dry_run_prints_every_cut_with_its_cost_and_spends_nothing(replicate_project):
    owner = replicate_project.owner
    output = autoflight(replicate_project.pk, "--model", "flux-2-pro", "--dry-run")

    rows = plan_rows(output)
    assert sorted(rows) == ["1", "2", "3", "4", "5", "6"]
    for cells in rows.values():
        assert cells[1:5] == ["generate", "flux-2-pro", "4", "20"]
    assert "Total: 120 credits for 6 cuts · balance 200" in output
    assert "Dry run: nothing was spent." in output
    assert balance_of(user=owner) == 200
    assert not Flight.objects.exists() and not GenerationJob.objects.exists()


@pytest.mark.django_db
def test_dry_run_of_demo_cuts_plans_to_write_their_prompts_without_writing_them(demo_project):
    output = autoflight(demo_project.pk, "--dry-run", "--cuts", "2,4-5")

    rows = plan_rows(output)
    assert sorted(rows) == ["2", "4", "5"]
    assert all(cells[1:4] == ["write", "prompt,", "generate"] for cells in rows.values())
    assert "@Jake's character sheet" in output  # cut 2 mentions @Jake and @Seohee
    assert not demo_project.cuts.exclude(prompt="").exists()


@pytest.mark.django_db
def test_budget_below_the_total_refuses_with_exit_2_and_spends_nothing(replicate_project):
    _, output = refused_with(2, replicate_project.pk, "--model", "flux-2-pro", "--budget", 100)

    assert "The plan costs 120 credits, over the budget of 100." in output
    assert balance_of(user=replicate_project.owner) == 200
    assert not Flight.objects.exists() and not GenerationJob.objects.exists()


@pytest.mark.django_db
def test_a_plan_above_the_balance_refuses_with_exit_2(replicate_project):
    payer = make_user(email="thrifty@example.com", credits=50)
    _, output = refused_with(
        2, replicate_project.pk, "--model", "flux-2-pro", "--user", payer.email
    )
    assert "The plan costs 120 credits and the balance is 50." in output
    assert not GenerationJob.objects.exists()


@pytest.mark.django_db
def test_problems_are_listed_per_cut_and_refuse_the_plan(demo_project):
    cut = demo_project.cuts.get(position=2)
    cut.prompt = "@Ghost waves from @Cafe"
    cut.save()
    demo_project.cuts.filter(position=4).update(script="")

    _, output = refused_with(2, demo_project.pk)

    assert "  - Cut 3: Unknown mention: @Ghost." in output
    assert "  - Cut 5: It has neither a prompt nor a script." in output
    assert balance_of(user=demo_project.owner) == DEMO_CREDITS
    assert not GenerationJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_run_over_the_six_demo_cuts_with_wait_ends_with_keyframes_for_each(
    demo_project, jobs_run_inline
):
    output = autoflight(demo_project.pk, "--wait")

    flight = Flight.objects.get()
    assert flight.status == Flight.Status.FINISHED
    for cut in demo_project.cuts.all():
        assert cut.prompt.strip()  # written by the offline writer first
        assert Keyframe.objects.filter(cut=cut, job__flight=flight).count() == 4
    assert "24/24 images · 6/6 cuts ended" in output
    summary = plan_rows(output.split("Cut  Model")[-1])
    assert sorted(summary) == ["1", "2", "3", "4", "5", "6"]
    assert all(cells[1:6] == ["local-draft", "4", "0", "0", "0"] for cells in summary.values())


@pytest.mark.django_db(transaction=True)
def test_a_failing_cut_exits_1_and_its_credits_are_refunded(
    replicate_project, fake_provider, jobs_run_inline
):
    owner = replicate_project.owner
    first = replicate_project.cuts.first()
    fake_provider.fail_next(2, "moderation")  # both images of the first cut, which runs first

    _, output = refused_with(
        1, replicate_project.pk, "--model", "flux-2-pro", "--count", 2, "--cuts", "1-3", "--wait"
    )

    failed = GenerationJob.objects.get(cut=first)
    assert failed.status == GenerationJob.Status.FAILED
    assert failed.credits_charged == failed.credits_refunded == 10
    refunds = CreditTransaction.objects.filter(job=failed, kind=CreditTransaction.Kind.REFUND)
    assert sorted(row.amount for row in refunds) == [5, 5]
    others = GenerationJob.objects.exclude(cut=first)
    assert [job.status for job in others] == [GenerationJob.Status.SUCCEEDED] * 2
    assert balance_of(user=owner) == 200 - 2 * 10
    summary = plan_rows(output.split("Cut  Model")[-1])
    assert summary["1"][1:6] == ["flux-2-pro", "0", "2", "10", "10"]
    assert summary["2"][1:6] == ["flux-2-pro", "2", "0", "10", "0"]


@pytest.mark.django_db(transaction=True)
def test_a_run_resumed_after_a_crash_does_only_the_remaining_cuts(
    replicate_project, jobs_run_inline
):
    owner = replicate_project.owner
    cuts = list(replicate_project.cuts.all())
    # What a launch leaves when its process dies after starting three of six cuts.
    plan = plan_flight(project=replicate_project, user=owner, model_key="flux-2-pro", count=1)
    flight, _ = create_flight(plan=plan, launch_key="")
    record_planned_cuts(flight=flight, plan=plan)
    for cut_plan in plan.to_run[:3]:
        job_key = flight.options["cuts"][str(cut_plan.cut.pk)]["job_key"]
        start_cut(flight=flight, cut_plan=cut_plan, prompt=cut_plan.cut.prompt, job_key=job_key)
    assert balance_of(user=owner) == 200 - 3 * 5

    output = autoflight(replicate_project.pk, "--dry-run")
    assert f"--resume {flight.pk} picks up its cuts" in output

    output = autoflight(replicate_project.pk, "--resume", flight.pk, "--wait")

    assert "Already has keyframes from this flight." in output
    for cut in cuts:
        assert GenerationJob.objects.filter(cut=cut, flight=flight).count() == 1
        assert Keyframe.objects.filter(cut=cut).count() == 1
    assert balance_of(user=owner) == 200 - 6 * 5
    flight.refresh_from_db()
    assert flight.status == Flight.Status.FINISHED
    # A third run finds nothing left to do and charges nothing.
    refused_with(2, replicate_project.pk, "--resume", flight.pk)
    assert balance_of(user=owner) == 200 - 6 * 5


@pytest.mark.django_db(transaction=True)
def test_a_resumed_flight_retries_a_cut_whose_job_failed_under_a_new_key(
    replicate_project, fake_provider, jobs_run_inline
):
    owner = replicate_project.owner
    fake_provider.fail_next(1, "moderation")
    refused_with(1, replicate_project.pk, "--model", "flux-2-pro", "--count", 1, "--wait")
    flight = Flight.objects.get()
    assert balance_of(user=owner) == 200 - 5 * 5

    autoflight(replicate_project.pk, "--resume", flight.pk, "--wait")

    first = replicate_project.cuts.first()
    keys = list(flight.jobs.filter(cut=first).values_list("idempotency_key", flat=True))
    assert sorted(keys) == [
        f"flight-{flight.pk}-cut-{first.pk}",
        f"flight-{flight.pk}-cut-{first.pk}-try-2",
    ]
    assert Keyframe.objects.filter(cut=first).count() == 1
    assert balance_of(user=owner) == 200 - 6 * 5


@pytest.mark.django_db
def test_ctrl_c_while_waiting_leaves_the_jobs_running_and_says_how_to_follow_them(
    replicate_project,
):
    owner = replicate_project.owner
    cut = replicate_project.cuts.first()
    planned = {str(cut.pk): {"model": "flux-2-pro", "count": 1}}
    flight = Flight.objects.create(
        project=replicate_project, user=owner, options={"cuts": planned, "failures": {}}
    )
    # Queued and never run: no worker, and the test's transaction never commits.
    job = start_generation(
        cut=cut,
        user=owner,
        prompt=cut.prompt,
        count=1,
        idempotency_key="queued",
        model_key="flux-2-pro",
        flight=flight,
    )
    # Ctrl-C as a terminal delivers it, even where the suite was started in the background
    # by a shell, which leaves SIGINT ignored (the command would then wait forever).
    previous_handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    out = io.StringIO()
    try:
        with pytest.raises(SystemExit) as raised:
            call_command(
                "autoflight", str(replicate_project.pk), "--flight", str(flight.pk), stdout=out
            )
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous_handler)

    assert raised.value.code == 130
    output = out.getvalue()
    assert "the jobs keep running" in output
    assert f"autoflight {replicate_project.pk} --flight {flight.pk}" in output
    assert f"/admin/keyframes/flight/{flight.pk}/change/" in output
    job.refresh_from_db()
    assert job.status == GenerationJob.Status.QUEUED
    # A new plan leaves the busy cut to its job.
    replanned = autoflight(replicate_project.pk, "--cuts", "1-2", "--dry-run")
    assert plan_rows(replanned)["1"][1] == "skip" and plan_rows(replanned)["2"][1] == "generate"
    assert "It is generating right now." in replanned


@pytest.mark.django_db
def test_a_cut_number_the_storyboard_lacks_refuses_the_plan(demo_project):
    _, output = refused_with(2, demo_project.pk, "--cuts", "2,9", "--dry-run")
    assert "The storyboard has 6 cuts; there is no cut 9." in output
    assert plan_rows(output.split("Total")[0]).keys() == {"2"}
