from django.urls import path

from characters import views

app_name = "characters"

project = "projects/<int:project_id>/"

urlpatterns = [
    path(f"{project}assets/", views.asset_list, name="assets"),
    path(f"{project}assets/new/", views.asset_create, name="asset_create"),
    path(f"{project}assets/<int:asset_id>/", views.asset_detail, name="asset"),
    path(f"{project}assets/<int:asset_id>/delete/", views.asset_delete, name="asset_delete"),
    path(
        f"{project}assets/<int:asset_id>/variations/add/",
        views.variation_add,
        name="variation_add",
    ),
    path(
        f"{project}variations/<int:variation_id>/rename/",
        views.variation_rename,
        name="variation_rename",
    ),
    path(
        f"{project}variations/<int:variation_id>/delete/",
        views.variation_delete,
        name="variation_delete",
    ),
    path(
        f"{project}variations/<int:variation_id>/default/",
        views.variation_default,
        name="variation_default",
    ),
    path(
        f"{project}variations/<int:variation_id>/images/add/",
        views.image_upload,
        name="image_upload",
    ),
    path(f"{project}images/<int:image_id>/primary/", views.image_primary, name="image_primary"),
    path(f"{project}images/<int:image_id>/delete/", views.image_delete, name="image_delete"),
    path(f"{project}handles/", views.handle_suggestions, name="handles"),
]
