"""The offline `local-draft` model: a Pillow storyboard sketch, always available and free."""

from keyframes.providers.base import (
    CandidateRequest,
    GeneratedImage,
    fit_to_model,
    image_mime_type,
)
from keyframes.providers.local_draft import DraftReference, render_draft
from keyframes.providers.registry import ModelSpec


class LocalDraftProvider:
    name = "local"
    sdk_retries: frozenset = frozenset()

    def unavailable_reason(self) -> str:
        return ""

    def generate(self, spec: ModelSpec, request: CandidateRequest) -> GeneratedImage:
        request = fit_to_model(spec, request)
        references = [
            DraftReference(role=reference.role, label=reference.label, data=reference.data)
            for reference in request.references
        ]
        data = render_draft(
            prompt=request.prompt,
            aspect_ratio=request.aspect_ratio,
            references=references,
            seed=request.seed,
        )
        return GeneratedImage(
            data=data,
            mime_type=image_mime_type(data),
            seed=request.seed,
            request_id=f"local-draft-{request.seed}",
            sent_prompt=request.prompt,
        )
