"""Forms for a project's settings page and a cut's shot card.

Plain forms, not model forms: a model form writes the posted values onto the instance while it
validates, and the service must see the project as stored until everything is accepted.
"""

from django import forms

from projects.models import Cut, Project
from projects.signals import NOT_SET_UP, answers, model_options_wanted


class ProjectSettingsForm(forms.Form):
    title = forms.CharField(max_length=120)
    quality_preset = forms.ChoiceField(
        choices=Project.Quality.choices,
        widget=forms.RadioSelect,
        help_text="Limits the models to that tier.",
    )
    # Any key is accepted here; the service checks it against the tier being saved.
    default_model = forms.CharField(required=False, max_length=40, widget=forms.Select)
    label_references = forms.BooleanField(
        required=False,
        label="Label reference images in the prompt",
        help_text="Tells the model which reference image shows which character or place.",
    )
    style_text = forms.CharField(
        required=False,
        max_length=300,
        help_text="A few words sent with every generation of this project.",
        widget=forms.TextInput(
            attrs={"placeholder": "e.g. soft watercolour, muted palette, film grain"}
        ),
    )
    style_image = forms.FileField(
        required=False,
        help_text="PNG, JPEG or WebP, at least 256 pixels on each side.",
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    remove_style_image = forms.BooleanField(required=False, label="Remove the style image")

    def __init__(self, *args, project: Project, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "title": project.title,
                "quality_preset": project.quality_preset,
                "default_model": project.default_model,
                "label_references": project.label_references,
                "style_text": project.style_text,
            },
        )
        super().__init__(*args, **kwargs)
        choices = [("", "Automatic (Cutflow picks per cut)")]
        for option in sum(answers(model_options_wanted, project=project), []):
            note = f" (unavailable: {NOT_SET_UP})" if option.unavailable else ""
            choices.append((option.spec.key, f"{option.spec.label}{note}"))
        if project.default_model and project.default_model not in dict(choices):
            choices.append((project.default_model, project.default_model))
        self.fields["default_model"].widget.choices = choices


class CutShotForm(forms.Form):
    shot_size = forms.ChoiceField(
        required=False, choices=[("", "—")] + Cut.ShotSize.choices, label="Shot size"
    )
    camera_angle = forms.ChoiceField(
        required=False, choices=[("", "—")] + Cut.CameraAngle.choices, label="Angle"
    )
    camera_movement = forms.ChoiceField(
        required=False, choices=[("", "—")] + Cut.CameraMovement.choices, label="Movement"
    )
    duration = forms.DecimalField(
        required=False,
        min_value=Cut.MIN_DURATION,
        max_value=Cut.MAX_DURATION,
        max_digits=3,
        decimal_places=1,
        label="Duration (seconds)",
        error_messages={
            "invalid": "Enter the duration as a number of seconds, such as 2.5.",
            "min_value": "A cut lasts at least 1 second.",
            "max_value": "A cut lasts at most 30 seconds.",
            "max_decimal_places": "Give the duration in tenths of a second at most, such as 2.5.",
            "max_digits": "A cut lasts at most 30 seconds.",
            "max_whole_digits": "A cut lasts at most 30 seconds.",
        },
    )
