"""A creator with credits and a cut ready to generate with the offline model."""

import pytest

from tests.factories import make_cut, make_project, make_user


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
