from django.urls import include, path

app_name = "keyframes"

# Each feature keeps its routes in its own module; all share the "keyframes" namespace.
urlpatterns = [
    path("", include("keyframes.urls.canvas")),
    path("", include("keyframes.urls.prompts")),
    path("", include("keyframes.urls.flights")),
    path("", include("keyframes.urls.references")),
    path("", include("keyframes.urls.breakdown")),
    path("", include("keyframes.urls.review")),
    path("", include("keyframes.urls.takes")),
]
