from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from cutflow.media import serve_media
from projects import views as project_views

urlpatterns = [
    path("", project_views.home, name="home"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("projects/", include("projects.urls")),
    path("", include("characters.urls")),
    path("", include("keyframes.urls")),
    path("credits/", include("credits.urls")),
]

if apps.is_installed("djstripe"):  # only where purchases are set up (see settings)
    urlpatterns += [path("stripe/", include("djstripe.urls", namespace="djstripe"))]

if settings.DEBUG or settings.SERVE_MEDIA:
    # Local file storage only; production serves media from S3 or the proxy.
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve_media, name="media"),
    ]
