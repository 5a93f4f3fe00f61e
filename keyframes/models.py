from django.conf import settings
from django.db import models
from django.db.models import Q


class AdditionalReference(models.Model):
    """An extra reference image a creator attaches to one cut; sent after the asset images."""

    MAX_PER_CUT = 5

    cut = models.ForeignKey(
        "projects.Cut", on_delete=models.CASCADE, related_name="additional_references"
    )
    position = models.PositiveSmallIntegerField(default=0)
    image = models.ImageField(upload_to="references/")
    thumbnail = models.ImageField(upload_to="references/thumbs/")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    source_keyframe = models.ForeignKey(
        "Keyframe", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return f"Reference {self.position + 1} of cut {self.cut_id}"


class Flight(models.Model):
    """One Auto-Flight run over a storyboard: which jobs it started, for whom."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="flights"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    options = models.JSONField(default=dict, blank=True)
    credits_planned = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The last sign of life of the worker writing this flight's prompts and starting its jobs;
    # an old one with cuts still owed means that worker died (keyframes.flight_dispatch).
    launcher_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Flight {self.pk} of {self.project}"


class GenerationJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIAL = "partial", "Partly failed"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    class Kind(models.TextChoices):
        IMAGES = "images", "Keyframe images"
        TAKE = "take", "Video take"

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)
    FINAL_STATUSES = (Status.SUCCEEDED, Status.PARTIAL, Status.FAILED, Status.CANCELLED)

    # A take rides the same charge, claim, reaper and refund path as images: one job with one
    # candidate whose result is a video (the job's Take) instead of a keyframe.
    kind = models.CharField(max_length=6, choices=Kind.choices, default=Kind.IMAGES)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="generation_jobs"
    )
    # A job is the receipt of its charge: it outlives its cut, so the ledger's charge always
    # has a job to answer for it (deleting waits until every job of the cut is final).
    cut = models.ForeignKey(
        "projects.Cut", on_delete=models.SET_NULL, null=True, blank=True, related_name="jobs"
    )
    flight = models.ForeignKey(
        Flight, on_delete=models.SET_NULL, null=True, blank=True, related_name="jobs"
    )
    model_key = models.CharField(max_length=40)
    count = models.PositiveSmallIntegerField()
    prompt = models.TextField()
    negative_prompt = models.CharField(max_length=1000, blank=True)
    sent_prompt = models.TextField(blank=True, help_text="The text actually sent to the model.")
    aspect_ratio = models.CharField(max_length=5)
    references = models.JSONField(
        default=list, blank=True, help_text="The ordered reference list as sent."
    )
    dropped_references = models.JSONField(default=list, blank=True)
    sent_request = models.JSONField(
        default=dict,
        blank=True,
        help_text="What reached the provider: served model id, input keys, each reference's "
        "role, sha256 and pixel size.",
    )
    credits_per_image = models.PositiveIntegerField()
    credits_charged = models.PositiveIntegerField(default=0)
    credits_refunded = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    error_message = models.CharField(max_length=300, blank=True)
    idempotency_key = models.CharField(max_length=64)
    cancel_requested = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"], name="one_job_per_idempotency_key"
            ),
            models.CheckConstraint(
                condition=Q(count__gte=1) & Q(count__lte=4), name="job_count_1_to_4"
            ),
            models.CheckConstraint(
                condition=Q(credits_refunded__lte=models.F("credits_charged")),
                name="job_refund_not_above_charge",
            ),
        ]
        indexes = [models.Index(fields=["status", "started_at"])]

    def __str__(self):
        return f"Job {self.pk} · {self.model_key} × {self.count}"

    def sent_summary(self) -> str:
        """One line on what reached the provider, for the lightbox's details."""
        sent = self.sent_request
        if not sent:
            return ""
        references = ", ".join(
            f"{ref['role']} {ref['width']}×{ref['height']} ({ref['sha256'][:12]})"
            for ref in sent.get("references", [])
        )
        inputs = ", ".join(sent.get("input_keys", []))
        text = f"{sent.get('served_model', '')} · inputs: {inputs or 'none'}"
        return f"{text} · references: {references}" if references else text

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL_STATUSES


class Candidate(models.Model):
    """One requested image of a job: it succeeds or fails on its own."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        RUNNING = "running", "Generating"
        SUCCEEDED = "succeeded", "Done"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    job = models.ForeignKey(GenerationJob, on_delete=models.CASCADE, related_name="candidates")
    slot = models.PositiveSmallIntegerField()
    seed = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    error_kind = models.CharField(max_length=20, blank=True)
    error_message = models.CharField(max_length=300, blank=True)
    error_detail = models.TextField(blank=True, help_text="Raw provider detail for support.")
    provider_request_id = models.CharField(max_length=120, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["job", "slot"]
        constraints = [
            models.UniqueConstraint(fields=["job", "slot"], name="one_candidate_per_slot"),
        ]

    def __str__(self):
        return f"Candidate {self.slot + 1} of job {self.job_id}"


class Keyframe(models.Model):
    class Source(models.TextChoices):
        GENERATED = "generated", "Generated"
        UPLOADED = "uploaded", "Uploaded"

    cut = models.ForeignKey("projects.Cut", on_delete=models.CASCADE, related_name="keyframes")
    job = models.ForeignKey(
        GenerationJob, on_delete=models.SET_NULL, null=True, blank=True, related_name="keyframes"
    )
    slot = models.PositiveSmallIntegerField(null=True, blank=True)
    image = models.ImageField(upload_to="keyframes/")
    thumbnail = models.ImageField(upload_to="keyframes/thumbs/")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    byte_size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    source = models.CharField(max_length=10, choices=Source.choices)
    model_key = models.CharField(max_length=40, blank=True)
    seed = models.BigIntegerField(null=True, blank=True)
    picked_by_flight = models.BooleanField(
        default=False, help_text="Made the representative by an Auto-Flight, not by hand."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "slot", "id"]
        indexes = [models.Index(fields=["cut", "-created_at"])]

    def __str__(self):
        return f"Keyframe {self.pk} of cut {self.cut_id}"

    @property
    def face_match_score(self) -> float | None:
        """The weakest character's similarity: a set sorts by it. None when nothing scored."""
        scores = [row.similarity for row in self.face_scores.all() if row.similarity is not None]
        return min(scores) if scores else None


class ProviderGate(models.Model):
    """One row per provider, locked while a worker claims a call slot, so the number of
    calls in flight to that provider stays under its cap across every worker."""

    provider = models.CharField(max_length=20, primary_key=True)

    def __str__(self):
        return self.provider


class ProviderCheck(models.Model):
    """One run of `manage.py check_providers`: the route table against the providers' schemas."""

    ran_at = models.DateTimeField(auto_now_add=True)
    live = models.BooleanField(default=False, help_text="Asked the providers, not only the files.")
    problems = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-ran_at", "-id"]

    def __str__(self):
        kind = "live" if self.live else "offline"
        return f"{kind} provider check · {len(self.problems)} problem(s)"

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        kind = "Live" if self.live else "Offline"
        if self.ok:
            return f"{kind} provider check of {self.ran_at:%Y-%m-%d %H:%M}: every route matches."
        when, first = f"{self.ran_at:%Y-%m-%d %H:%M}", "; ".join(self.problems[:3])
        return f"{kind} provider check of {when} found {len(self.problems)} problem(s): {first}"


class ScriptImport(models.Model):
    """One confirmed script breakdown. Its key comes with the review page, so confirming the
    same review twice finds this row and creates nothing more."""

    class Mode(models.TextChoices):
        APPEND = "append", "Add after the existing cuts"
        REPLACE = "replace", "Replace the existing cuts"

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="script_imports"
    )
    key = models.CharField(max_length=64)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.APPEND)
    writer = models.CharField(max_length=40, blank=True)
    cuts_created = models.PositiveIntegerField(default=0)
    assets_created = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "key"], name="one_script_import_per_key")
        ]

    def __str__(self):
        return f"Script import {self.pk} into {self.project}"


class FaceScore(models.Model):
    """How well one character's face in a keyframe matches the sheet the job sent for it
    (keyframes/face_scores.py writes these after the image is stored)."""

    class Verdict(models.TextChoices):
        MATCHES = "matches", "Matches"
        MAY_DIFFER = "may_differ", "May differ"
        NO_FACE = "no_face", "No face found"
        NOT_SCORED = "not_scored", "Not scored"

    keyframe = models.ForeignKey(Keyframe, on_delete=models.CASCADE, related_name="face_scores")
    position = models.PositiveSmallIntegerField(
        help_text="The character's place in the job's references."
    )
    handle = models.CharField(max_length=50)
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    similarity = models.FloatField(
        null=True, blank=True, help_text="1 - face distance; 0.40 and up matches."
    )
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["keyframe", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["keyframe", "handle"], name="one_face_score_per_character"
            ),
        ]

    SYMBOLS = {"matches": "✓", "may_differ": "≠", "no_face": "∅", "not_scored": "?"}

    def __str__(self):
        return f"@{self.handle} on keyframe {self.keyframe_id}: {self.verdict}"

    @property
    def badge(self) -> str:
        """What the grid shows, e.g. "@seohee ✓ 0.82"."""
        text = f"@{self.handle} {self.SYMBOLS[self.verdict]}"
        return f"{text} {self.similarity:.2f}" if self.similarity is not None else text

    @property
    def summary(self) -> str:
        """One plain-text cell: "matches 0.82", "no face found"."""
        verdict = self.get_verdict_display().lower()
        return f"{verdict} {self.similarity:.2f}" if self.similarity is not None else verdict

    @property
    def explanation(self) -> str:
        from keyframes.face_match import MATCH_THRESHOLD

        said = (
            f"{self.get_verdict_display()}: {self.reason}"
            if self.reason
            else self.get_verdict_display()
        )
        return f"{said} ({MATCH_THRESHOLD:.2f} and up matches)"


class Take(models.Model):
    """A short video generated from a cut's representative keyframe (its first frame).

    Its GenerationJob carries the charge and the run; that job outlives the cut (migration
    0010), while the take itself, like a keyframe, goes with its cut."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Generating"
        SUCCEEDED = "succeeded", "Ready"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)

    cut = models.ForeignKey("projects.Cut", on_delete=models.CASCADE, related_name="takes")
    job = models.OneToOneField(GenerationJob, on_delete=models.CASCADE, related_name="take")
    source_keyframe = models.ForeignKey(
        Keyframe, on_delete=models.SET_NULL, null=True, blank=True, related_name="takes"
    )
    motion_prompt = models.TextField()
    model_key = models.CharField(max_length=40)
    # Tenths of a second, as the cut's own duration: local-motion renders exactly that.
    duration_seconds = models.DecimalField(max_digits=3, decimal_places=1)
    aspect_ratio = models.CharField(max_length=5)
    video = models.FileField(upload_to="takes/", blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    byte_size = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    error_message = models.CharField(max_length=300, blank=True)
    is_representative = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cut"],
                condition=Q(is_representative=True),
                name="one_representative_take_per_cut",
            ),
            models.CheckConstraint(
                condition=Q(duration_seconds__gte=1), name="take_duration_positive"
            ),
        ]

    def __str__(self):
        return f"Take {self.pk} of cut {self.cut_id}"

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.SUCCEEDED and bool(self.video)
