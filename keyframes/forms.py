from django import forms

from keyframes.providers.registry import MODELS

MODEL_CHOICES = [("", "Automatic")] + [(key, spec.label) for key, spec in MODELS.items()]
COUNT_CHOICES = [(number, str(number)) for number in range(1, 5)]


class GenerationChoiceForm(forms.Form):
    """The model and image count; the empty model means automatic or the project default."""

    model = forms.ChoiceField(choices=MODEL_CHOICES, required=False)
    count = forms.TypedChoiceField(choices=COUNT_CHOICES, coerce=int)


class GenerateForm(GenerationChoiceForm):
    # Rendered fresh with the form: a double submit carries the same key, so one job.
    idempotency_key = forms.CharField(max_length=64)


class UploadKeyframeForm(forms.Form):
    file = forms.FileField(
        label="Image",
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
