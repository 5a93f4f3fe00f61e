"""Where exports are kept: a private storage that no URL serves (the owner-checked download
view is the only way out), and how long they are kept there."""

import json
import logging
import os
import time

from django.conf import settings
from django.core.files.storage import storages

logger = logging.getLogger(__name__)

EXPORT_FOLDER = "exports"
PROGRESS_FILE = "progress.json"


def export_storage():
    return storages["exports"]


def remove_expired_exports(*, now: float | None = None) -> int:
    """Deletes every export last touched more than EXPORT_EXPIRY_SECONDS ago, finished or
    not; returns how many. Scheduled hourly."""
    storage = export_storage()
    now = time.time() if now is None else now
    removed = 0
    for folder in export_folders(storage):
        if now - last_touched(storage, folder) > settings.EXPORT_EXPIRY_SECONDS:
            remove_folder(storage, folder)
            removed += 1
    return removed


def export_folders(storage) -> list[str]:
    folders = []
    for project_id in listed_folders(storage, EXPORT_FOLDER):
        root = f"{EXPORT_FOLDER}/{project_id}"
        folders += [f"{root}/{token}" for token in listed_folders(storage, root)]
    return folders


def listed_folders(storage, path: str) -> list[str]:
    try:
        folders, _ = storage.listdir(path)
    except FileNotFoundError:
        return []
    return folders


def last_touched(storage, folder: str) -> float:
    try:
        with storage.open(f"{folder}/{PROGRESS_FILE}", "rb") as progress:
            return float(json.load(progress)["updated_at"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0.0  # no readable progress: nothing can download it, so it is expired


def remove_folder(storage, folder: str) -> None:
    _, files = storage.listdir(folder)
    for name in files:
        storage.delete(f"{folder}/{name}")
    try:
        os.rmdir(storage.path(folder))  # local disk keeps empty folders
    except NotImplementedError:
        pass  # S3 has no folders
    except OSError:
        logger.warning("Could not remove export folder %s", folder, exc_info=True)
