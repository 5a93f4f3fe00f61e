"""A fake fal.ai queue mounted on respx (fal-client only speaks https to its own hosts).

It answers the sequence the real client makes: POST queue.fal.run/<endpoint> (submit) →
GET .../requests/<id>/status → GET .../requests/<id> (result) → GET the image on the CDN.
Faults, consumed one per submitted request: rate_limit (429 on submit), server_error (500 on
the result), moderation (422 content_policy_violation on the result), nsfw (a result flagged
has_nsfw_concepts), malformed (a result that is not JSON), timeout (the submit times out),
reset (the image download is cut off). A submission its endpoint's saved contract refuses gets
fal's 422 (an unknown endpoint, 404) before any fault is consumed.

Storage: fal-client uploads a reference to the CDN (a storage token from rest.fal.ai, then
POST v3.fal.media/files/upload) and, when that fails, to its fallback storage (POST
rest.fal.ai/storage/upload/initiate, then PUT the file to the URL it names).
`rate_limit_storage(n)` answers the next n upload requests of either kind with 429 (without
Retry-After, so fal-client's own backoff sets the pace); `storage_requests` records each.

It also answers fal's Platform API model search (GET api.fal.ai/v1/models?endpoint_id=…&expand=
openapi-3.0) from the saved contracts, for `check_providers --live`; `live_schemas`, `retired`
and `deprecated` make an endpoint drift, disappear or carry fal's deprecated status.
"""

import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import respx

from keyframes.providers.contracts import contract_for
from tests.fakes.contracts import CONTRACTS, fal_output, fal_rejection
from tests.fakes.images import png_image, size_for_aspect_ratio, size_for_ratio
from tests.fakes.videos import mp4_clip, requested_seconds

QUEUE = "https://queue.fal.run"
PLATFORM_HOST = "api.fal.ai"
CDN = "https://v3.fal.media"
SIGNED_UPLOAD_HOST = "storage.googleapis.com"  # where the fallback storage's PUT goes
FAL_FAULT_KINDS = (
    "rate_limit",
    "server_error",
    "moderation",
    "nsfw",
    "malformed",
    "timeout",
    "reset",
)


@dataclass
class FalSubmission:
    endpoint: str
    arguments: dict
    headers: dict[str, str]
    request_id: str = ""
    fault: str = ""
    image: bytes = b""  # the output file: an image, or a video for an image-to-video endpoint
    output: str = "image"


@dataclass(frozen=True)
class StorageRequest:
    at: float  # time.monotonic() on arrival
    url: str
    status: int


@dataclass
class FakeFalQueue:
    submissions: list[FalSubmission] = field(default_factory=list)
    status_polls: int = 0
    uploads: dict[str, bytes] = field(default_factory=dict)  # fal storage, by URL
    rate_limited_submits: int = 0
    storage_requests: list[StorageRequest] = field(default_factory=list)  # uploads only
    # Video endpoints answer with these files, in order, before real MP4 clips of the length.
    videos_to_serve: deque = field(default_factory=deque)
    live_schemas: dict[str, dict] = field(default_factory=dict)  # endpoint -> its input schema
    retired: set[str] = field(default_factory=set)
    deprecated: set[str] = field(default_factory=set)
    platform_requests: list[httpx.Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: deque[str] = deque()
        self._ids = itertools.count(1)
        self._by_id: dict[str, FalSubmission] = {}
        self._upload_ids = itertools.count(1)
        self._storage_rate_limits = 0
        self._signed_uploads: dict[str, str] = {}  # signed PUT URL -> the file's URL

    def mount(self, router: respx.MockRouter) -> "FakeFalQueue":
        router.route(host="queue.fal.run").mock(side_effect=self._queue)
        router.route(host="v3.fal.media").mock(side_effect=self._cdn)
        router.route(host="rest.fal.ai").mock(side_effect=self._rest)
        router.route(host=SIGNED_UPLOAD_HOST).mock(side_effect=self._signed_upload)
        router.route(host=PLATFORM_HOST).mock(side_effect=self._platform)
        return self

    def fail_next(self, n: int = 1, kind: str = "server_error") -> None:
        if kind not in FAL_FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; choose from {FAL_FAULT_KINDS}")
        with self._lock:
            self._faults.extend([kind] * n)

    def rate_limit_storage(self, n: int) -> None:
        """The next n storage uploads (to the CDN or the fallback storage) get 429."""
        with self._lock:
            self._storage_rate_limits += n

    # --- queue host -------------------------------------------------------------------------
    def _queue(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.strip("/")
        if request.method == "POST":
            return self._submit(request, endpoint=path)
        _, _, rest = path.partition("/requests/")
        request_id, _, action = rest.partition("/")
        submission = self._by_id[request_id]
        if action == "status":
            return self._status()
        if action == "cancel":
            return httpx.Response(200, json={"status": "CANCELLATION_REQUESTED"})
        return self._result(submission)

    def _submit(self, request: httpx.Request, *, endpoint: str) -> httpx.Response:
        if rejection := fal_rejection(endpoint, json.loads(request.content)):
            status, body = rejection
            return httpx.Response(status, json=body)
        with self._lock:
            fault = self._faults.popleft() if self._faults else ""
        if fault == "timeout":
            raise httpx.ReadTimeout("fake fal: no answer", request=request)
        if fault == "rate_limit":
            with self._lock:
                self.rate_limited_submits += 1
            return httpx.Response(
                429, headers={"Retry-After": "1"}, json={"detail": "Rate limit exceeded"}
            )
        arguments = json.loads(request.content)
        submission = FalSubmission(
            endpoint=endpoint,
            arguments=arguments,
            headers=dict(request.headers),
            request_id=f"fal-req-{next(self._ids):04d}",
            fault=fault,
            output=fal_output(endpoint),
        )
        if submission.output == "video":
            submission.image = self._next_video(arguments)
        else:
            size = _fal_size(arguments.get("image_size"))
            submission.image = png_image(size, seed=arguments.get("seed"))
        with self._lock:
            self.submissions.append(submission)
            self._by_id[submission.request_id] = submission
        owner, alias = endpoint.split("/")[:2]
        base = f"{QUEUE}/{owner}/{alias}/requests/{submission.request_id}"
        return httpx.Response(
            200,
            json={
                "request_id": submission.request_id,
                "response_url": base,
                "status_url": f"{base}/status",
                "cancel_url": f"{base}/cancel",
                "queue_position": 0,
            },
        )

    def _status(self) -> httpx.Response:
        with self._lock:
            self.status_polls += 1
        return httpx.Response(200, json={"status": "COMPLETED", "logs": None, "metrics": {}})

    def _result(self, submission: FalSubmission) -> httpx.Response:
        if submission.fault == "server_error":
            return httpx.Response(500, json={"detail": "Internal server error"})
        if submission.fault == "moderation":
            detail = [
                {
                    "type": "content_policy_violation",
                    "msg": "The content was flagged by a content checker.",
                }
            ]
            return httpx.Response(422, json={"detail": detail})
        if submission.fault == "malformed":
            return httpx.Response(
                200, content=b'{"images": [', headers={"Content-Type": "application/json"}
            )
        return httpx.Response(200, json=self._result_json(submission))

    def _next_video(self, arguments: dict) -> bytes:
        with self._lock:
            if self.videos_to_serve:
                return self.videos_to_serve.popleft()
        return mp4_clip(requested_seconds(arguments))

    def _result_json(self, submission: FalSubmission) -> dict[str, Any]:
        if submission.output == "video":
            video = {
                "url": f"{CDN}/files/fake/{submission.request_id}.mp4",
                "content_type": "video/mp4",
                "file_size": len(submission.image),
            }
            return {"video": video}
        image = {
            "url": f"{CDN}/files/fake/{submission.request_id}.png",
            "content_type": "image/png",
        }
        return {
            "images": [image],
            "seed": submission.arguments.get("seed", 0),
            "has_nsfw_concepts": [submission.fault == "nsfw"],
            "prompt": submission.arguments.get("prompt", ""),
        }

    # --- Platform API ---------------------------------------------------------------------------
    def _platform(self, request: httpx.Request) -> httpx.Response:
        self.platform_requests.append(request)
        if request.url.path != "/v1/models":
            return httpx.Response(404, json={"detail": "Not Found"})
        if not request.headers.get("authorization", "").startswith("Key "):
            return httpx.Response(401, json={"detail": "Unauthorized"})
        expand = "openapi-3.0" in request.url.params.get_list("expand")
        models = [
            self._model_entry(endpoint, with_openapi=expand)
            for endpoint in request.url.params.get_list("endpoint_id")
            if contract_for(CONTRACTS, host="fal", endpoint=endpoint) is not None
            and endpoint not in self.retired
        ]
        return httpx.Response(200, json={"models": models, "next_cursor": None, "has_more": False})

    def _model_entry(self, endpoint: str, *, with_openapi: bool) -> dict[str, Any]:
        status = "deprecated" if endpoint in self.deprecated else "active"
        entry = {"endpoint_id": endpoint, "metadata": {"display_name": endpoint, "status": status}}
        if with_openapi:
            schema = self.live_schemas.get(endpoint)
            schema = schema or contract_for(CONTRACTS, host="fal", endpoint=endpoint).schema
            body = {"schema": {"$ref": "#/components/schemas/Input"}}
            entry["openapi"] = {
                "openapi": "3.0.4",
                "paths": {
                    f"/{endpoint}": {
                        "post": {"requestBody": {"content": {"application/json": body}}}
                    }
                },
                "components": {"schemas": {"Input": schema}},
            }
        return entry

    # --- storage: the CDN and the fallback ---------------------------------------------------
    def _rest(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/storage/upload/initiate":
            return self._initiate_upload(request)
        return self._storage_token()

    def _storage_token(self) -> httpx.Response:
        token = {
            "token": "fake-cdn-token",
            "token_type": "Bearer",
            "base_url": CDN,
            "expires_at": "2099-12-31T00:00:00+00:00",
        }
        return httpx.Response(200, json=token)

    def _storage_answer(
        self, request: httpx.Request, answer: Callable[[], httpx.Response]
    ) -> httpx.Response:
        """Records an upload request; a 429 while rate limits remain, else ``answer()``."""
        arrived_at = time.monotonic()
        with self._lock:
            limited = self._storage_rate_limits > 0
            self._storage_rate_limits -= int(limited)
        if limited:
            response = httpx.Response(429, json={"detail": "Rate limit exceeded"})
        else:
            response = answer()
        with self._lock:
            self.storage_requests.append(
                StorageRequest(at=arrived_at, url=str(request.url), status=response.status_code)
            )
        return response

    def _new_file_url(self) -> str:
        return f"{CDN}/files/uploads/upload-{next(self._upload_ids):04d}"

    def _upload(self, request: httpx.Request) -> httpx.Response:
        def stored() -> httpx.Response:
            url = self._new_file_url()
            with self._lock:
                self.uploads[url] = request.content
            return httpx.Response(200, json={"access_url": url})

        return self._storage_answer(request, stored)

    def _initiate_upload(self, request: httpx.Request) -> httpx.Response:
        def signed() -> httpx.Response:
            file_url = self._new_file_url()
            upload_url = f"https://{SIGNED_UPLOAD_HOST}/fake-fal/{file_url.rsplit('/', 1)[-1]}"
            with self._lock:
                self._signed_uploads[upload_url] = file_url
            return httpx.Response(200, json={"upload_url": upload_url, "file_url": file_url})

        return self._storage_answer(request, signed)

    def _signed_upload(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.uploads[self._signed_uploads[str(request.url)]] = request.content
        return httpx.Response(200)

    def _cdn(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path == "/files/upload":
            return self._upload(request)
        if request.url.path.startswith("/files/uploads/"):
            return httpx.Response(200, content=self.uploads[str(request.url)])
        request_id = request.url.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        submission = self._by_id[request_id]
        if submission.fault == "reset":
            raise httpx.RemoteProtocolError("peer closed connection", request=request)
        content_type = "video/mp4" if submission.output == "video" else "image/png"
        return httpx.Response(200, content=submission.image, headers={"Content-Type": content_type})


def _fal_size(image_size: Any) -> tuple[int, int]:
    presets = {
        "portrait_16_9": "9:16",
        "landscape_16_9": "16:9",
        "square_hd": "1:1",
        "square": "1:1",
        "portrait_4_3": "3:4",
        "landscape_4_3": "4:3",
    }
    if isinstance(image_size, dict):
        return size_for_ratio(image_size["width"], image_size["height"])
    return size_for_aspect_ratio(presets.get(image_size, "4:3"))
