"""characters' answers to what projects asks of the apps above it (see projects/signals.py)."""

from characters.services import stored_files_of_assets
from projects import signals


def files_of_assets(sender, *, project, **kwargs) -> list[str]:
    return stored_files_of_assets(project.assets.all())


def connect() -> None:
    signals.project_deleting.connect(files_of_assets)
