from django import forms
from django.conf import settings

from projects.models import Project


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = ["title", "aspect_ratio", "quality_preset"]
        widgets = {
            "title": forms.TextInput(attrs={"placeholder": "e.g. Rainy day at the cafe"}),
            "aspect_ratio": forms.RadioSelect,
            "quality_preset": forms.RadioSelect,
        }
        help_texts = {"aspect_ratio": "Every keyframe of the project uses this ratio."}


class CutTextForm(forms.Form):
    script = forms.CharField(
        required=False,
        max_length=settings.SCRIPT_MAX_CHARS,
        widget=forms.Textarea(
            attrs={"rows": 5, "placeholder": "@Seohee waits by the window of @Cafe…"}
        ),
    )
    prompt = forms.CharField(
        required=False,
        max_length=settings.PROMPT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": "The image prompt."}),
    )
    negative_prompt = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.TextInput(attrs={"placeholder": "blurry, distorted face, extra fingers"}),
    )


class ReorderForm(forms.Form):
    order = forms.CharField()

    def clean_order(self):
        try:
            return [int(part) for part in self.cleaned_data["order"].split(",") if part]
        except ValueError as exc:
            raise forms.ValidationError("The order must be a list of cut numbers.") from exc
