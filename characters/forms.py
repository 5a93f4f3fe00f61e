from django import forms

from characters.mentions import MAX_HANDLE_LENGTH
from characters.models import Asset

IMAGE_ACCEPT = "image/png,image/jpeg,image/webp"


class AssetForm(forms.Form):
    """Handle shape and uniqueness are checked by the service, which raises per field."""

    kind = forms.ChoiceField(choices=Asset.Kind.choices, widget=forms.RadioSelect)
    handle = forms.CharField(
        max_length=MAX_HANDLE_LENGTH + 8,  # the service explains a too-long handle itself
        help_text="What you type after @ in a script: letters, digits and underscores.",
        widget=forms.TextInput(attrs={"placeholder": "Seohee", "autocomplete": "off"}),
    )
    name = forms.CharField(
        max_length=80, widget=forms.TextInput(attrs={"placeholder": "Seo-hee Park"})
    )
    description = forms.CharField(
        required=False,
        max_length=1000,
        help_text="The prompt writer folds this into every prompt that mentions the asset.",
        widget=forms.Textarea(
            attrs={"rows": 4, "placeholder": "Early twenties, short black bob, round glasses…"}
        ),
    )

    def clean_handle(self):
        return self.cleaned_data["handle"].strip().lstrip("@")


class VariationForm(forms.Form):
    name = forms.CharField(
        max_length=80, widget=forms.TextInput(attrs={"placeholder": "e.g. Night, Rain coat"})
    )
    # The prompt writer folds this into the prompt; without it, it has only the name.
    description = forms.CharField(max_length=500, required=False)


class ImageUploadForm(forms.Form):
    # A plain FileField: the intake path, not Django's ImageField, decides what is an image.
    file = forms.FileField(widget=forms.ClearableFileInput(attrs={"accept": IMAGE_ACCEPT}))
