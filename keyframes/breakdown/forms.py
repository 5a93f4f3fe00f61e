"""The import form (a paste or a file) and the review table's rows."""

from django import forms
from django.conf import settings

from characters.mentions import MAX_HANDLE_LENGTH
from characters.models import Asset
from keyframes.breakdown.proposal import Breakdown
from keyframes.breakdown.reading import decode_script_file
from keyframes.breakdown.review import AssetRow, CutRow
from keyframes.models import ScriptImport
from projects.models import Cut

SCRIPT_ACCEPT = ".txt,.fountain,.spmd,.md,text/plain"


class ScriptImportForm(forms.Form):
    script = forms.CharField(
        required=False,
        strip=False,
        label="Paste the script",
        widget=forms.Textarea(
            attrs={
                "rows": 14,
                "placeholder": "INT. CORNER CAFE - NIGHT\n\nRain streaks the windows. SEOHEE "
                "hurries in.\n\nJAKE\nYou made it.",
            }
        ),
    )
    file = forms.FileField(
        required=False,
        label="…or choose a file",
        help_text="Plain text or Fountain (.txt, .fountain), UTF-8.",
        widget=forms.ClearableFileInput(attrs={"accept": SCRIPT_ACCEPT}),
    )
    mode = forms.ChoiceField(
        choices=ScriptImport.Mode.choices,
        initial=ScriptImport.Mode.APPEND,
        widget=forms.RadioSelect,
        label="The new cuts",
    )

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload:
            cleaned["text"] = decode_script_file(upload.read(settings.BREAKDOWN_MAX_CHARS * 4 + 1))
            cleaned["filename"] = upload.name
        else:
            cleaned["text"] = cleaned.get("script", "")
            cleaned["filename"] = ""
        return cleaned


class ReviewForm(forms.Form):
    import_key = forms.CharField(max_length=64, widget=forms.HiddenInput)
    mode = forms.ChoiceField(choices=ScriptImport.Mode.choices, widget=forms.HiddenInput)
    writer = forms.CharField(max_length=40, required=False, widget=forms.HiddenInput)


class CutRowForm(forms.Form):
    script = forms.CharField(
        required=False,
        max_length=settings.SCRIPT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    shot_size = forms.ChoiceField(
        choices=[("", "Not set")] + Cut.ShotSize.choices, required=False, label="Shot size"
    )
    keep = forms.BooleanField(required=False, label="Keep")
    merge = forms.BooleanField(required=False, label="Merge into the cut above")

    def row(self) -> CutRow:
        return CutRow(**self.cleaned_data)


class AssetRowForm(forms.Form):
    create = forms.BooleanField(required=False, label="Create")
    kind = forms.ChoiceField(choices=Asset.Kind.choices, widget=forms.HiddenInput)
    name = forms.CharField(required=False, max_length=80)
    handle = forms.CharField(
        required=False,
        max_length=MAX_HANDLE_LENGTH + 8,  # the service explains a too-long handle itself
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    description = forms.CharField(
        required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    proposed_handle = forms.CharField(max_length=MAX_HANDLE_LENGTH, widget=forms.HiddenInput)

    def clean_handle(self):
        return self.cleaned_data["handle"].strip().lstrip("@")

    def row(self) -> AssetRow:
        return AssetRow(**self.cleaned_data)


# No max_num: the import service refuses too many cuts with its own message.
CutRowFormSet = forms.formset_factory(CutRowForm, extra=0)
AssetRowFormSet = forms.formset_factory(AssetRowForm, extra=0)


def review_forms(breakdown: Breakdown, *, import_key: str, mode: str):
    """The review page's forms, filled with a proposed breakdown."""
    review = ReviewForm(
        initial={"import_key": import_key, "mode": mode, "writer": breakdown.writer}
    )
    cuts = CutRowFormSet(
        prefix="cuts",
        initial=[
            {"script": cut.script, "shot_size": cut.shot_size, "keep": True}
            for cut in breakdown.cuts
        ],
    )
    assets = AssetRowFormSet(
        prefix="assets",
        initial=[
            asset.model_dump() | {"create": True, "proposed_handle": asset.handle}
            for asset in breakdown.new_assets
        ],
    )
    return review, cuts, assets
