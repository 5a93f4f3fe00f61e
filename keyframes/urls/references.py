from django.urls import path

from keyframes.views import references as views

references = "cuts/<int:cut_id>/references/"

urlpatterns = [
    path(references, views.reference_panel, name="cut_references"),
    path(f"{references}variation/", views.reference_variation, name="reference_variation"),
    path(f"{references}additional/", views.additional_add, name="additional_add"),
    path(
        f"{references}additional/<int:reference_id>/remove/",
        views.additional_remove,
        name="additional_remove",
    ),
    path(
        f"{references}additional/<int:reference_id>/move/",
        views.additional_move,
        name="additional_move",
    ),
]
