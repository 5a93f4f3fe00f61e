"""What projects asks of the apps above it, which it may not import.

projects sits below characters and keyframes, yet its pages show their panels and deleting a
cut must remove the files they keep for it. projects sends these signals; characters and
keyframes connect their receivers in ``AppConfig.ready()`` and answer. ``answers()`` collects
what the receivers return; an exception a receiver raises (a refusal) reaches the sender.
"""

from dataclasses import dataclass

from django.dispatch import Signal

# request, cut: each receiver returns a dict the cut editor page adds to its context.
cut_editor_opened = Signal()
# cut_ids: each receiver returns {cut id: progress} for cuts that are being generated.
cut_list_progress = Signal()
# cuts (a queryset), what: sent inside the deleting transaction before the rows go. A receiver
# raises ValidationError to refuse, otherwise returns the stored file names to remove.
cuts_deleting = Signal()
# project: each receiver returns the stored file names it keeps for the project's assets.
project_deleting = Signal()
# project: each receiver returns the image models a project may pick, as ModelOption objects.
model_options_wanted = Signal()
# project, key: a receiver raises ValidationError when the project may not use that model.
default_model_checked = Signal()
# project: sent inside the saving transaction; each receiver returns how many cuts it moved
# to the tier's default model because their model left the project's (new) tier.
quality_preset_saved = Signal()
# project, texts ({key: text}): each receiver returns {key: text} with known @mentions written
# as the names they stand for.
mentions_named = Signal()
# cut_ids: each receiver returns {cut id: credits spent on it, refunds deducted}.
cut_credits_wanted = Signal()

# What a creator is told of a model whose provider has no key; what the operator must set is
# shown in the admin only.
NOT_SET_UP = "not set up on this site"

# keyframe_ids: each receiver returns {keyframe id: [FaceVerdict, ...]}, the face-match verdict
# of each character on those keyframes in reference order, for the board and the exports.
face_scores_wanted = Signal()
# cut_ids: each receiver returns {cut id: stored name of the video the animatic plays for that
# cut} (its representative take, when one is ready); a cut left out shows its keyframe.
cut_videos_wanted = Signal()


@dataclass(frozen=True)
class FaceVerdict:
    """One character's face match on a keyframe, as plain text for pages and exports."""

    handle: str
    verdict: str  # "matches", "may_differ", "no_face" or "not_scored"
    badge: str  # "@Seohee ✓ 0.82"
    summary: str  # "matches 0.82", one CSV cell
    explanation: str  # what the badge's tooltip says, the reason included


def answers(signal: Signal, **kwargs) -> list:
    return [response for _receiver, response in signal.send(sender=None, **kwargs)]


def named_texts(project, texts: dict) -> dict:
    """``texts`` with mentions shown as names; unchanged where no app answers."""
    named = dict(texts)
    for answer in answers(mentions_named, project=project, texts=texts):
        named |= answer
    return named


def face_verdicts(keyframe_ids: list[int]) -> dict[int, list[FaceVerdict]]:
    """The face-match verdicts of these keyframes; no query when there are none."""
    verdicts: dict[int, list[FaceVerdict]] = {}
    if not keyframe_ids:
        return verdicts
    for answer in answers(face_scores_wanted, keyframe_ids=keyframe_ids):
        for keyframe_id, found in answer.items():
            verdicts.setdefault(keyframe_id, []).extend(found)
    return verdicts
