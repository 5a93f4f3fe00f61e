"""A creator with credits and a cut ready to generate with the offline model; for takes, a
cut with a representative keyframe and small local-motion clips."""

import pytest

from tests.factories import make_cut, make_project, make_user
from tests.keyframes.takes_setup import represent


@pytest.fixture
def funded(db):
    return make_user(email="funded@example.com", credits=100)


@pytest.fixture
def draft_cut(funded):
    project = make_project(owner=funded, default_model="local-draft")
    return make_cut(project=project, script="Mina waits.", prompt="A woman waits by a window")


@pytest.fixture
def funded_client(client, funded):
    client.force_login(funded)
    return client


@pytest.fixture
def small_takes(settings):
    """local-motion clips of 160x90 at 8 fps keep the encoding quick."""
    settings.TAKE_LOCAL_SHORT_SIDE = 90
    settings.TAKE_LOCAL_FPS = 8
    settings.PROVIDER_MAX_RETRIES = 0


@pytest.fixture
def creator(db):
    return make_user(email="director@example.com", credits=100)


@pytest.fixture
def shot_cut(creator, small_takes):
    """A 16:9 cut whose script and camera move make the default motion prompt, with a
    representative keyframe."""
    project = make_project(owner=creator, aspect_ratio="16:9")
    cut = make_cut(project=project, script="Mina turns to the window.", camera_movement="dolly_in")
    represent(cut, colour=(200, 60, 40))
    return cut
