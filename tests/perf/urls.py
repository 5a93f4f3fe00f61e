"""Cutflow's URLs plus the floor the pages are compared with: the smallest signed-in view,
behind the same middleware stack."""

from django.http import HttpResponse
from django.urls import include, path

MINIMAL_PATH = "/perf/minimal/"


def minimal(request):
    return HttpResponse("ok")


urlpatterns = [
    path(MINIMAL_PATH.strip("/") + "/", minimal, name="perf_minimal"),
    path("", include("cutflow.urls")),
]
