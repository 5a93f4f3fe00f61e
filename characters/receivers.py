"""characters' answers to what projects asks of the apps above it (see projects/signals.py)."""

from characters.mentions import with_names
from characters.services import stored_files_of_assets
from projects import signals


def files_of_assets(sender, *, project, **kwargs) -> list[str]:
    return stored_files_of_assets(project.assets.all())


def texts_with_names(sender, *, project, texts, **kwargs) -> dict:
    if not any("@" in text for text in texts.values()):
        return {}
    names = dict(project.assets.values_list("handle", "name"))
    return {key: with_names(text, names) for key, text in texts.items()}


def connect() -> None:
    signals.project_deleting.connect(files_of_assets)
    signals.mentions_named.connect(texts_with_names)
