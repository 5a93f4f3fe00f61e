from django.urls import path

from keyframes.views import review as views

project = "projects/<int:project_id>/"

urlpatterns = [
    path(f"{project}review/", views.review, name="review"),
    path(
        f"{project}review/cuts/<int:cut_id>/pick/<int:keyframe_id>/",
        views.review_pick,
        name="review_pick",
    ),
]
