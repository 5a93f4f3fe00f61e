import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from projects.models import Project
from projects.services import reorder_cuts

# Invisible characters (escape codes, bells, backspaces) that pasting can bring along; tabs and
# line breaks are fine. NUL is refused by Django's own CharField validator.
CONTROL_CHARACTERS = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def refuse_control_characters(value: str) -> None:
    if CONTROL_CHARACTERS.search(value):
        raise ValidationError(
            "This text contains invisible control characters (often pasted along with it); "
            "delete them and try again.",
            code="control_characters",
        )


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
        validators=[refuse_control_characters],
        widget=forms.Textarea(
            attrs={"rows": 5, "placeholder": "@Seohee waits by the window of @Cafe…"}
        ),
    )
    prompt = forms.CharField(
        required=False,
        max_length=settings.PROMPT_MAX_CHARS,
        validators=[refuse_control_characters],
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": "The image prompt."}),
    )
    negative_prompt = forms.CharField(
        required=False,
        max_length=1000,
        validators=[refuse_control_characters],
        widget=forms.TextInput(attrs={"placeholder": "blurry, distorted face, extra fingers"}),
    )


class CutTextSaveForm(CutTextForm):
    """The editor's save: the text, and the version of it the editor started from."""

    base_version = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)


class CutMoveForm(forms.Form):
    """A Move up or Move down button of the cut list: it posts its cut's id as ``up`` or
    ``down``; ``selected`` is the cut open in the editor, which stays highlighted."""

    up = forms.IntegerField(required=False, min_value=1)
    down = forms.IntegerField(required=False, min_value=1)
    selected = forms.IntegerField(required=False, min_value=1)

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("up") is None) == (cleaned.get("down") is None):
            raise forms.ValidationError("Choose one cut to move up or down.")
        return cleaned

    @property
    def cut_id(self) -> int:
        return self.cleaned_data["up"] or self.cleaned_data["down"]

    @property
    def offset(self) -> int:
        return -1 if self.cleaned_data["up"] else 1


class ReorderForm(forms.Form):
    order = forms.CharField()

    def clean_order(self):
        try:
            return [int(part) for part in self.cleaned_data["order"].split(",") if part]
        except ValueError as exc:
            raise forms.ValidationError("The order must be a list of cut numbers.") from exc

    def save(self, project: Project) -> str:
        """Stores the posted order; returns what to tell the creator instead ("" once saved)."""
        if not self.is_valid():
            return self.errors["order"][0]
        try:
            reorder_cuts(project=project, ordered_ids=self.cleaned_data["order"])
        except ValidationError as exc:
            return exc.messages[0]
        return ""
