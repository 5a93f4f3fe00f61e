"""Auto-Flight from the command line: plan, launch and follow keyframes for a whole storyboard.

Exit codes: 0 every cut done, 1 some cut failed, 2 the plan was refused (budget, balance or
problems), 130 interrupted while waiting (the jobs keep running).
"""

import argparse
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from keyframes.flight_launch import launch_flight
from keyframes.flight_progress import FlightProgress, flight_progress
from keyframes.flights import (
    FlightRefused,
    ShotPlan,
    plan_flight,
    resume_flight,
    unfinished_flights,
)
from keyframes.models import Flight
from projects.models import Project

POLL_SECONDS = 1.0
BAR_WIDTH = 30
EXIT_FAILED = 1
EXIT_REFUSED = 2
EXIT_INTERRUPTED = 130


def cut_numbers(text: str) -> list[int]:
    """'1,3-5' → [1, 3, 4, 5]."""
    numbers = []
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        try:
            start, end = int(first), int(last or first)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"“{part.strip()}” is not a cut number or range"
            ) from None
        if start < 1 or end < start:
            raise argparse.ArgumentTypeError(f"“{part.strip()}” is not a valid range of cuts")
        numbers.extend(range(start, end + 1))
    return sorted(set(numbers))


def credits_amount(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("a budget cannot be negative")
    return value


def format_table(headers: list[str], rows: list[list]) -> list[str]:
    cells = [[str(value) for value in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return [
        "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)).rstrip()
        for row in cells
    ]


class Command(BaseCommand):
    help = (
        "Plans and launches Auto-Flight over a project's cuts; the workers write the missing "
        "prompts, then generate keyframes for every selected cut."
    )

    def add_arguments(self, parser):
        parser.add_argument("project_id", type=int)
        parser.add_argument(
            "--cuts", type=cut_numbers, help="Cut numbers as shown on the storyboard: 1,3-5"
        )
        parser.add_argument("--model", default="", help="A model key for every cut")
        parser.add_argument("--count", type=int, choices=[1, 2, 3, 4], help="Images per cut")
        parser.add_argument(
            "--include-done", action="store_true", help="Also cuts with a representative"
        )
        parser.add_argument(
            "--select",
            choices=["first"],
            help="first: each cut's first new image becomes its representative",
        )
        parser.add_argument("--budget", type=credits_amount, help="Refuse above this many credits")
        parser.add_argument("--dry-run", action="store_true", help="Print the plan; spend nothing")
        parser.add_argument("--user", help="E-mail of whose credits pay (default: the owner)")
        parser.add_argument("--wait", action="store_true", help="Follow the jobs to the end")
        parser.add_argument(
            "--resume",
            type=int,
            metavar="FLIGHT_ID",
            help="Finish an interrupted flight: only its cuts without keyframes from it",
        )
        parser.add_argument(
            "--flight",
            type=int,
            metavar="FLIGHT_ID",
            help="Re-attach to a flight: wait for its jobs and print the summary",
        )

    def handle(self, *args, **options):
        project = Project.objects.filter(pk=options["project_id"]).first()
        if project is None:
            raise CommandError(f"There is no project {options['project_id']}.")
        if options["flight"]:
            return self.follow(self.flight_of(project, options["flight"]))
        plan = self.plan(project, options)
        self.print_plan(plan)
        if plan.refusals:
            self.refuse(plan.refusals)
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was spent.")
            return
        try:
            flight = launch_flight(plan=plan)
        except FlightRefused as refused:  # the balance changed since planning
            self.refuse(refused.reasons)
        self.stdout.write(
            f"Flight {flight.pk} launched: {len(plan.to_run)} cuts, {plan.total} credits."
        )
        if options["wait"]:
            return self.follow(flight)
        self.print_where_to_look(flight)
        failures = flight.options.get("failures", {})
        if failures:
            raise CommandError(f"{len(failures)} cuts could not start.", returncode=EXIT_FAILED)

    def plan(self, project: Project, options: dict) -> ShotPlan:
        if options["resume"]:
            return resume_flight(
                flight=self.flight_of(project, options["resume"]), budget=options["budget"]
            )
        for flight in unfinished_flights(project=project):
            self.stdout.write(
                f"Note: flight {flight.pk} of this project has not finished; "
                f"--resume {flight.pk} picks up its cuts that have no keyframes yet."
            )
        return plan_flight(
            project=project,
            user=self.payer(project, options["user"]),
            cut_numbers=options["cuts"],
            model_key=options["model"],
            count=options["count"],
            include_done=options["include_done"],
            budget=options["budget"],
            select_first=options["select"] == "first",
        )

    def payer(self, project: Project, email: str | None):
        if not email:
            return project.owner
        user = get_user_model().objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"There is no user with the e-mail {email}.")
        return user

    def flight_of(self, project: Project, flight_id: int) -> Flight:
        flight = Flight.objects.filter(pk=flight_id, project=project).first()
        if flight is None:
            raise CommandError(f"Project {project.pk} has no flight {flight_id}.")
        return flight

    def refuse(self, reasons: list[str]):
        self.stderr.write("Refused:")
        for reason in reasons:
            self.stderr.write(f"  - {reason}")
        raise CommandError("The plan was refused; nothing was spent.", returncode=EXIT_REFUSED)

    # --- Output ---------------------------------------------------------------------------

    def print_plan(self, plan: ShotPlan) -> None:
        verb = "Resuming flight" if plan.resuming else "Auto-Flight plan for"
        subject = plan.resuming.pk if plan.resuming else f"“{plan.project.title}”"
        self.stdout.write(f"{verb} {subject} (project {plan.project.pk}), paid by {plan.user}")
        rows = []
        for each in plan.cuts:
            if not each.runs:
                rows.append([each.number, "skip", "", "", "", each.skip_reason])
                continue
            action = "write prompt, generate" if each.writes_prompt else "generate"
            references = ", ".join(each.references) or "none"
            if each.dropped:
                references += f" (+{len(each.dropped)} not sent)"
            model = each.model.key if each.model else "—"
            rows.append([each.number, action, model, each.count, each.credits, references])
        headers = ["Cut", "Does", "Model", "Images", "Credits", "References / note"]
        for line in format_table(headers, rows):
            self.stdout.write(line)
        budget = f" · budget {plan.budget}" if plan.budget is not None else ""
        self.stdout.write(
            f"Total: {plan.total} credits for {len(plan.to_run)} cuts · "
            f"balance {plan.balance}{budget}"
        )

    def follow(self, flight: Flight):
        try:
            progress = self.wait_for(flight)
        except KeyboardInterrupt:
            self.stdout.write("")
            self.stdout.write("Stopped waiting; the jobs keep running.")
            self.print_where_to_look(flight)
            raise SystemExit(EXIT_INTERRUPTED) from None
        self.print_summary(progress)
        if not progress.all_succeeded:
            failed = sum(1 for outcome in progress.outcomes if not outcome.succeeded)
            raise CommandError(f"{failed} cuts did not fully succeed.", returncode=EXIT_FAILED)

    def wait_for(self, flight: Flight) -> FlightProgress:
        shown = None
        while True:
            progress = flight_progress(flight=flight)
            line = progress_bar(progress)
            if line != shown:
                self.stdout.write("\r" + line, ending="")
                self.stdout.flush()
                shown = line
            if not progress.unfinished:
                self.stdout.write("")
                return progress
            time.sleep(POLL_SECONDS)

    def print_summary(self, progress: FlightProgress) -> None:
        rows = []
        for outcome in progress.outcomes:
            note = outcome.message
            if outcome.status == "waiting":
                note = f"never started; --resume {progress.flight.pk} starts it"
            rows.append(
                [
                    outcome.number,
                    outcome.model_key,
                    outcome.images_ok,
                    outcome.images_failed,
                    outcome.credits_charged,
                    outcome.credits_refunded,
                    f"{outcome.status} {note}".strip(),
                ]
            )
        headers = ["Cut", "Model", "OK", "Failed", "Charged", "Refunded", "Status"]
        for line in format_table(headers, rows):
            self.stdout.write(line)
        charged = sum(outcome.credits_charged for outcome in progress.outcomes)
        refunded = sum(outcome.credits_refunded for outcome in progress.outcomes)
        self.stdout.write(f"Spent {charged - refunded} credits ({refunded} refunded).")

    def print_where_to_look(self, flight: Flight) -> None:
        admin_url = reverse("admin:keyframes_flight_change", args=[flight.pk])
        self.stdout.write(
            f"Follow it: python manage.py autoflight {flight.project_id} --flight {flight.pk}\n"
            f"Admin: {admin_url}\n"
            f"Storyboard: {flight.project.get_absolute_url()}"
        )


def progress_bar(progress: FlightProgress) -> str:
    total = progress.images_total or 1
    filled = round(BAR_WIDTH * progress.images_done / total)
    bar = "#" * filled + "-" * (BAR_WIDTH - filled)
    cuts = len(progress.outcomes)
    writing = f"{progress.prompts_writing} prompts to write · " if progress.prompts_writing else ""
    return (
        f"[{bar}] {writing}{progress.images_done}/{progress.images_total} images · "
        f"{progress.cuts_ended}/{cuts} cuts ended"
    )
