from dataclasses import dataclass

from django.contrib import admin, messages
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from credits.models import CreditTransaction
from keyframes.job_faults import cancel_job
from keyframes.models import (
    AdditionalReference,
    Candidate,
    Flight,
    GenerationJob,
    Keyframe,
    ProviderCheck,
    Take,
)
from keyframes.provider_health import last_provider_check, provider_health
from keyframes.providers.registry import MODELS, unavailable_reason


@dataclass(frozen=True)
class RefundState:
    charged: int
    refunded: int
    refund_rows: int

    def __str__(self) -> str:
        rows = "row" if self.refund_rows == 1 else "rows"
        return (
            f"charged {self.charged} · refunded {self.refunded} ({self.refund_rows} refund {rows})"
        )


def with_refund_state(jobs):
    """Jobs annotated with what the ledger says about each: its charge, its refunds and how
    many refund rows there are (one query for a whole list, as the admin shows it)."""
    charges = Q(ledger_rows__kind=CreditTransaction.Kind.CHARGE)
    refunds = Q(ledger_rows__kind=CreditTransaction.Kind.REFUND)
    return jobs.annotate(
        ledger_charged=Coalesce(Sum("ledger_rows__amount", filter=charges), 0),
        ledger_refunded=Coalesce(Sum("ledger_rows__amount", filter=refunds), 0),
        ledger_refund_rows=Count("ledger_rows", filter=refunds),
    )


def refund_state_of(job) -> RefundState:
    """The refund state of a job loaded through with_refund_state."""
    return RefundState(
        charged=-job.ledger_charged,
        refunded=job.ledger_refunded,
        refund_rows=job.ledger_refund_rows,
    )


def refund_state(*, job) -> RefundState:
    """What the ledger says about one job: its charge, its refunds and how many there are."""
    return refund_state_of(with_refund_state(GenerationJob.objects.filter(pk=job.pk)).get())


class CandidateInline(admin.TabularInline):
    model = Candidate
    fields = [
        "slot",
        "status",
        "seed",
        "attempts",
        "error_kind",
        "error_message",
        "error_detail",
        "provider_request_id",
        "started_at",
        "finished_at",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False


class JobKeyframeInline(admin.TabularInline):
    model = Keyframe
    fields = ["slot", "image", "width", "height", "seed", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(GenerationJob)
class GenerationJobAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "user",
        "cut",
        "kind",
        "model_key",
        "count",
        "status",
        "credits_charged",
        "credits_refunded",
        "ledger_refunds",
        "created_at",
    ]
    list_filter = ["kind", "status", "model_key"]
    list_select_related = ["user", "cut__project"]  # a cut names its project
    search_fields = ["user__email", "cut__project__title", "idempotency_key", "prompt"]
    raw_id_fields = ["user", "cut", "flight"]
    actions = ["cancel_jobs"]
    readonly_fields = [
        "credits_charged",
        "credits_refunded",
        "ledger_refunds",
        "references",
        "dropped_references",
        "sent_prompt",
        "sent_request",
        "started_at",
        "finished_at",
        "created_at",
    ]
    date_hierarchy = "created_at"
    inlines = [CandidateInline, JobKeyframeInline]

    def get_queryset(self, request):
        return with_refund_state(super().get_queryset(request))

    @admin.display(description="Refund state (ledger)")
    def ledger_refunds(self, job):
        return str(refund_state_of(job))

    def changelist_view(self, request, extra_context=None):
        # A provider whose calls keep failing is the first thing support should see.
        for health in provider_health():
            if health.failing:
                messages.warning(request, health.summary())
        # Creators only read "not set up on this site"; what to configure is said here.
        for reason in sorted({unavailable_reason(spec) for spec in MODELS.values()} - {""}):
            messages.info(request, f"Unavailable to creators: {reason}")
        if check := last_provider_check():
            level = messages.INFO if check.ok else messages.WARNING
            messages.add_message(request, level, check.summary())
        return super().changelist_view(request, extra_context)

    @admin.action(description="Cancel selected jobs (refund images not yet sent)")
    def cancel_jobs(self, request, queryset):
        cancelled = 0
        for job in queryset.exclude(status__in=GenerationJob.FINAL_STATUSES):
            cancel_job(job=job)
            cancelled += 1
        self.message_user(request, f"Cancelled {cancelled} job(s); unsent images were refunded.")


@admin.register(Keyframe)
class KeyframeAdmin(admin.ModelAdmin):
    list_display = ["pk", "cut", "source", "model_key", "slot", "width", "height", "created_at"]
    list_filter = ["source", "model_key"]
    list_select_related = ["cut__project"]
    search_fields = ["cut__project__title", "cut__project__owner__email", "sha256"]
    raw_id_fields = ["cut", "job"]


@admin.register(Take)
class TakeAdmin(admin.ModelAdmin):
    list_display = ["pk", "cut", "model_key", "duration_seconds", "status", "is_representative"]
    list_filter = ["status", "model_key"]
    list_select_related = ["cut__project"]
    search_fields = ["cut__project__title", "cut__project__owner__email", "motion_prompt"]
    raw_id_fields = ["cut", "job", "source_keyframe"]
    readonly_fields = ["video", "width", "height", "byte_size", "created_at"]


@admin.register(AdditionalReference)
class AdditionalReferenceAdmin(admin.ModelAdmin):
    list_display = ["pk", "cut", "position", "created_at"]
    list_select_related = ["cut__project"]
    raw_id_fields = ["cut", "source_keyframe"]


@admin.register(Flight)
class FlightAdmin(admin.ModelAdmin):
    list_display = ["pk", "project", "user", "status", "credits_planned", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["project", "user"]


@admin.register(ProviderCheck)
class ProviderCheckAdmin(admin.ModelAdmin):
    list_display = ["ran_at", "live", "ok", "problem_count"]
    list_filter = ["live"]
    readonly_fields = ["ran_at", "live", "problems"]

    @admin.display(boolean=True)
    def ok(self, check):
        return check.ok

    @admin.display(description="Problems")
    def problem_count(self, check):
        return len(check.problems)
