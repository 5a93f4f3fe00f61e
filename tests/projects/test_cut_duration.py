from decimal import Decimal

import pytest
from django.db import IntegrityError

from projects.models import Cut
from tests.factories import make_cut


def test_a_cut_lasts_by_its_shot_size_until_the_creator_sets_a_duration(project):
    cut = make_cut(project=project, shot_size=Cut.ShotSize.WIDE)
    assert cut.duration_seconds == Decimal("3.5")

    cut.shot_size = Cut.ShotSize.CLOSE_UP
    assert cut.duration_seconds == Decimal("2")

    cut.duration_seconds = 6.5
    cut.save()
    cut.refresh_from_db()
    assert cut.duration_seconds == Decimal("6.5")
    assert not cut.duration_follows_shot


def test_a_cut_without_a_shot_size_lasts_three_seconds(project):
    assert make_cut(project=project).duration_seconds == Decimal("3")


@pytest.mark.parametrize("seconds", ["0.5", "30.5"])
def test_the_database_refuses_a_duration_outside_one_to_thirty_seconds(project, seconds):
    cut = make_cut(project=project)
    cut.duration_seconds = seconds

    with pytest.raises(IntegrityError):
        cut.save()
