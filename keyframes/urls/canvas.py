from django.urls import path

from keyframes.views import canvas as views

cut = "cuts/<int:cut_id>/"

urlpatterns = [
    path(f"{cut}canvas/", views.canvas, name="canvas"),
    path(f"{cut}generate/", views.generate, name="generate"),
    path(f"{cut}generate/controls/", views.generate_controls, name="generate_controls"),
    path(f"{cut}generate/choice/", views.choose_generation, name="choose_generation"),
    path(f"{cut}upload/", views.upload_keyframe, name="upload_keyframe"),
    path(
        f"{cut}keyframes/<int:keyframe_id>/select/",
        views.select_keyframe,
        name="select_keyframe",
    ),
    path(
        f"{cut}keyframes/<int:keyframe_id>/delete/",
        views.delete_keyframe,
        name="delete_keyframe",
    ),
    path(f"{cut}jobs/<int:job_id>/cancel/", views.cancel_generation, name="cancel_job"),
]
