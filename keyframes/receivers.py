"""keyframes' answers to what projects asks of the apps above it (see projects/signals.py)."""

from keyframes.cut_credits import credits_spent
from keyframes.cut_removal import refuse_while_generating, stored_files_of_cuts
from keyframes.editor import cut_editor_context
from keyframes.face_scores import face_verdicts_by_keyframe
from keyframes.flight_progress import cut_progress
from keyframes.model_choice import check_model, model_options, move_cuts_into_tier
from keyframes.take_videos import representative_take_videos
from projects import signals


def editor_panels(sender, *, request, cut, **kwargs) -> dict:
    return cut_editor_context(request, cut)


def generating_progress(sender, *, cut_ids, **kwargs) -> dict:
    return cut_progress(cuts=cut_ids)


def cut_credits(sender, *, cut_ids, **kwargs) -> dict:
    return credits_spent(cut_ids=cut_ids)


def files_of_cuts(sender, *, cuts, what, **kwargs) -> list[str]:
    refuse_while_generating(cuts, what=what)
    return stored_files_of_cuts(cuts)


def project_models(sender, *, project, **kwargs) -> list:
    return model_options(project)


def check_default_model(sender, *, project, key, **kwargs) -> None:
    check_model(project=project, key=key)


def cuts_into_tier(sender, *, project, **kwargs) -> int:
    return move_cuts_into_tier(project=project)


def keyframe_face_scores(sender, *, keyframe_ids, **kwargs) -> dict:
    return face_verdicts_by_keyframe(keyframe_ids=keyframe_ids)


def take_videos(sender, *, cut_ids, **kwargs) -> dict:
    return representative_take_videos(cut_ids=cut_ids)


def connect() -> None:
    signals.cut_editor_opened.connect(editor_panels)
    signals.cut_list_progress.connect(generating_progress)
    signals.cuts_deleting.connect(files_of_cuts)
    signals.model_options_wanted.connect(project_models)
    signals.default_model_checked.connect(check_default_model)
    signals.quality_preset_saved.connect(cuts_into_tier)
    signals.cut_credits_wanted.connect(cut_credits)
    signals.face_scores_wanted.connect(keyframe_face_scores)
    signals.cut_videos_wanted.connect(take_videos)
