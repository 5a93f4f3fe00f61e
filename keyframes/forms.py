from django import forms

from characters.forms import IMAGE_ACCEPT
from keyframes.model_choice import model_options
from keyframes.providers.registry import MODELS
from projects.models import Project

MODEL_CHOICES = [("", "Automatic")] + [(key, spec.label) for key, spec in MODELS.items()]
COUNT_CHOICES = [(number, str(number)) for number in range(1, 5)]
FLIGHT_COUNT_CHOICES = [("", "Each cut's own count")] + [
    (number, f"{number} per cut") for number in range(1, 5)
]


class GenerationChoiceForm(forms.Form):
    """The model and image count; the empty model means automatic or the project default."""

    model = forms.ChoiceField(choices=MODEL_CHOICES, required=False)
    count = forms.TypedChoiceField(choices=COUNT_CHOICES, coerce=int)


class GenerateForm(GenerationChoiceForm):
    # Rendered fresh with the form: a double submit carries the same key, so one job.
    idempotency_key = forms.CharField(max_length=64)
    # The model named on the button: Generate spends on that one or on none.
    expected_model = forms.CharField(max_length=40, required=False)


class FlightOptionsForm(forms.Form):
    """Auto-Flight's options; the model list holds the project's usable models only."""

    model = forms.ChoiceField(required=False)
    count = forms.TypedChoiceField(
        choices=FLIGHT_COUNT_CHOICES, coerce=int, empty_value=None, required=False
    )
    include_done = forms.BooleanField(
        required=False, label="Also cuts that already have a representative"
    )
    select_first = forms.BooleanField(
        required=False, label="Pick each cut's first image as its keyframe"
    )
    launch_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        usable = [option.spec for option in model_options(project) if not option.unavailable]
        self.fields["model"].choices = [("", "Each cut's own model")] + [
            (spec.key, f"{spec.label} · {spec.credits_per_image} credits/image") for spec in usable
        ]


class UploadKeyframeForm(forms.Form):
    file = forms.FileField(
        label="Image",
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )


class AdditionalReferenceForm(forms.Form):
    file = forms.FileField(
        required=False, widget=forms.ClearableFileInput(attrs={"accept": IMAGE_ACCEPT})
    )
    keyframe = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("file") and not cleaned.get("keyframe"):
            raise forms.ValidationError("Choose an image to add.")
        return cleaned


class OverrideForm(forms.Form):
    asset = forms.IntegerField()
    variation = forms.IntegerField(required=False)  # empty: back to the asset's default


class TakeForm(forms.Form):
    """Starts a take; the service checks the model's own lengths and the representative."""

    model = forms.CharField(max_length=40)
    motion_prompt = forms.CharField(widget=forms.Textarea, required=False)
    duration = forms.DecimalField(
        min_value=1,
        max_value=30,
        max_digits=3,
        decimal_places=1,
        error_messages={
            "invalid": "Enter the length in seconds, for example 5.",
            "min_value": "A take lasts at least 1 second.",
            "max_value": "A take lasts at most 30 seconds.",
            "max_decimal_places": "Give the length in tenths of a second at most.",
        },
    )
    # Rendered fresh with the form: a double submit carries the same key, so one take.
    idempotency_key = forms.CharField(max_length=64)
