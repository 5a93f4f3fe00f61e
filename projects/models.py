import hashlib
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse


class Project(models.Model):
    class AspectRatio(models.TextChoices):
        PORTRAIT = "9:16", "9:16 vertical"
        LANDSCAPE = "16:9", "16:9 widescreen"
        SQUARE = "1:1", "1:1 square"
        FOUR_FIVE = "4:5", "4:5 portrait"

    class Quality(models.TextChoices):
        FAST = "fast", "Fast"
        STANDARD = "standard", "Standard"
        PREMIUM = "premium", "Premium"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="projects"
    )
    title = models.CharField(max_length=120)
    aspect_ratio = models.CharField(
        max_length=5, choices=AspectRatio.choices, default=AspectRatio.PORTRAIT
    )
    quality_preset = models.CharField(
        max_length=10, choices=Quality.choices, default=Quality.STANDARD
    )
    default_model = models.CharField(
        max_length=40, blank=True, help_text="Empty means Cutflow picks a model per cut."
    )
    label_references = models.BooleanField(
        default=True,
        help_text="Tell the model which reference image shows whom.",
    )
    style_text = models.CharField(max_length=300, blank=True)
    style_image = models.ImageField(upload_to="styles/", blank=True)
    style_thumbnail = models.ImageField(upload_to="styles/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(aspect_ratio__in=["9:16", "16:9", "1:1", "4:5"]),
                name="project_aspect_ratio_known",
            ),
            models.CheckConstraint(
                condition=Q(quality_preset__in=["fast", "standard", "premium"]),
                name="project_quality_preset_known",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("projects:storyboard", args=[self.pk])

    @property
    def css_aspect_ratio(self) -> str:
        return self.aspect_ratio.replace(":", " / ")


class Cut(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PROMPT_READY = "prompt_ready", "Prompt ready"
        GENERATING = "generating", "Generating"
        CANDIDATES_READY = "candidates_ready", "Candidates ready: pick one"
        KEYFRAME_GENERATED = "keyframe_generated", "Keyframe generated"

    class PromptTask(models.TextChoices):
        IDLE = "idle", "Idle"
        WRITING = "writing", "Writing"
        FAILED = "failed", "Failed"

    class ShotSize(models.TextChoices):
        EXTREME_WIDE = "extreme_wide", "Extreme wide"
        WIDE = "wide", "Wide"
        FULL = "full", "Full"
        MEDIUM = "medium", "Medium"
        MEDIUM_CLOSE_UP = "medium_close_up", "Medium close-up"
        CLOSE_UP = "close_up", "Close-up"
        EXTREME_CLOSE_UP = "extreme_close_up", "Extreme close-up"

    class CameraAngle(models.TextChoices):
        EYE_LEVEL = "eye_level", "Eye level"
        HIGH = "high", "High angle"
        LOW = "low", "Low angle"
        OVERHEAD = "overhead", "Overhead"
        DUTCH = "dutch", "Dutch angle"
        OVER_THE_SHOULDER = "over_the_shoulder", "Over the shoulder"

    class CameraMovement(models.TextChoices):
        STATIC = "static", "Static"
        PAN = "pan", "Pan"
        TILT = "tilt", "Tilt"
        DOLLY_IN = "dolly_in", "Dolly in"
        DOLLY_OUT = "dolly_out", "Dolly out"
        TRACKING = "tracking", "Tracking"
        HANDHELD = "handheld", "Handheld"

    # Wider shots hold longer: the eye needs time to read a whole scene, a close-up reads at once.
    DEFAULT_DURATIONS = {
        ShotSize.EXTREME_WIDE: Decimal("4"),
        ShotSize.WIDE: Decimal("3.5"),
        ShotSize.FULL: Decimal("3"),
        ShotSize.MEDIUM: Decimal("3"),
        ShotSize.MEDIUM_CLOSE_UP: Decimal("2.5"),
        ShotSize.CLOSE_UP: Decimal("2"),
        ShotSize.EXTREME_CLOSE_UP: Decimal("1.5"),
    }
    DURATION_WITHOUT_SHOT = Decimal("3")
    MIN_DURATION = Decimal("1")
    MAX_DURATION = Decimal("30")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="cuts")
    position = models.PositiveIntegerField(default=0)
    script = models.TextField(blank=True)
    prompt = models.TextField(blank=True)
    negative_prompt = models.CharField(max_length=1000, blank=True)
    model = models.CharField(
        max_length=40, blank=True, help_text="Empty means the project's choice."
    )
    candidate_count = models.PositiveSmallIntegerField(default=4)
    representative = models.ForeignKey(
        "keyframes.Keyframe",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    shot_size = models.CharField(max_length=20, choices=ShotSize.choices, blank=True)
    camera_angle = models.CharField(max_length=20, choices=CameraAngle.choices, blank=True)
    camera_movement = models.CharField(max_length=20, choices=CameraMovement.choices, blank=True)
    duration_override = models.DecimalField(
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="Seconds the cut lasts in takes and the animatic; empty follows the shot size.",
    )
    prompt_task = models.CharField(
        max_length=10, choices=PromptTask.choices, default=PromptTask.IDLE
    )
    prompt_task_message = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(candidate_count__gte=1) & Q(candidate_count__lte=4),
                name="cut_candidate_count_1_to_4",
            ),
            models.CheckConstraint(
                condition=Q(duration_override__isnull=True)
                | (Q(duration_override__gte=1) & Q(duration_override__lte=30)),
                name="cut_duration_1_to_30_seconds",
            ),
        ]
        indexes = [models.Index(fields=["project", "position"])]

    def __str__(self):
        return f"Cut {self.number} of {self.project}"

    def get_absolute_url(self):
        return reverse("projects:cut", args=[self.project_id, self.pk])

    @property
    def number(self) -> int:
        """1-based position shown to creators; set by the storyboard query when listed."""
        return getattr(self, "display_number", self.position + 1)

    @property
    def duration_seconds(self) -> Decimal:
        """How long the cut lasts: the creator's choice, else a default from the shot size."""
        if self.duration_override is not None:
            return self.duration_override
        return self.DEFAULT_DURATIONS.get(self.shot_size, self.DURATION_WITHOUT_SHOT)

    @duration_seconds.setter
    def duration_seconds(self, seconds) -> None:
        """Sets the creator's choice; ``None`` goes back to the shot size's default."""
        self.duration_override = None if seconds is None else Decimal(str(seconds))

    @property
    def duration_follows_shot(self) -> bool:
        return self.duration_override is None

    def set_representative(self, keyframe, *, generating: bool = False) -> None:
        if keyframe.cut_id != self.pk:
            raise ValueError("not this cut's keyframe")
        self.representative = keyframe
        self.settle_status(generating=generating)

    def unset_representative(self, *, generating: bool = False) -> None:
        self.representative = None
        self.settle_status(generating=generating)

    def settle_status(self, *, generating: bool | None = None) -> str:
        """The one rule for ``status``, which every change to a cut goes through: generating
        while a job of the cut is on its way, otherwise what its representative and prompt
        make it. ``generating=None`` keeps the row's word on that, for changes (text, prompt)
        that neither start nor end a job."""
        if generating is None:
            generating = self.status == Cut.Status.GENERATING
        self.status = Cut.Status.GENERATING if generating else self.resting_status()
        return self.status

    @property
    def text_version(self) -> str:
        """Names the saved script, prompt and negative prompt; the editor sends it back with
        each save, so a save typed over older text is noticed (projects.cut_text)."""
        text = "\x00".join((self.script, self.prompt, self.negative_prompt))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def resting_status(self) -> str:
        """The status a cut has when nothing is generating."""
        if self.representative_id:
            return Cut.Status.KEYFRAME_GENERATED
        if self.pk and self.keyframes.exists():
            return Cut.Status.CANDIDATES_READY
        if self.prompt.strip():
            return Cut.Status.PROMPT_READY
        return Cut.Status.DRAFT


class PromptRevision(models.Model):
    """A short history of a cut's prompts, so a creator can restore an earlier one."""

    class Source(models.TextChoices):
        WRITER = "writer", "Prompt writer"
        MANUAL = "manual", "Edited by hand"

    cut = models.ForeignKey(Cut, on_delete=models.CASCADE, related_name="prompt_revisions")
    prompt = models.TextField()
    source = models.CharField(max_length=10, choices=Source.choices)
    writer = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Prompt of cut {self.cut_id} ({self.get_source_display()})"
