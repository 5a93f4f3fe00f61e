"""The board page: the storyboard's cards, reordered by drag or keyboard."""

from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from projects.access import get_owned_project
from projects.board import board_cards
from projects.durations import clock, running_seconds
from projects.forms import ReorderForm


@require_GET
def board(request, project_id):
    project = get_owned_project(user=request.user, project_id=project_id)
    return render(request, "projects/board.html", board_context(project))


@require_POST
def board_reorder(request, project_id):
    project = get_owned_project(user=request.user, project_id=project_id)
    error = ReorderForm(request.POST).save(project)
    context = board_context(project) | {"board_error": error}
    if request.htmx:
        # htmx swaps only a 200: the cards go back to the saved order, with the message.
        return render(request, "projects/board.html#board-cards", context)
    return render(request, "projects/board.html", context, status=400 if error else 200)


def board_context(project) -> dict:
    cards = board_cards(project)
    seconds = running_seconds(card.cut for card in cards)
    return {
        "project": project,
        "cards": cards,
        "running_seconds": seconds,
        "running_time": clock(seconds),
    }
