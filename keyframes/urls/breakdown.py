from django.urls import path

from keyframes.views import breakdown as views

project = "projects/<int:project_id>/"

urlpatterns = [
    path(f"{project}import-script/", views.script_import, name="script_import"),
    path(f"{project}import-script/confirm/", views.script_import_confirm, name="script_confirm"),
]
