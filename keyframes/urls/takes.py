from django.urls import path

from keyframes.views import takes as views

takes = "cuts/<int:cut_id>/takes/"

urlpatterns = [
    path(takes, views.takes_panel, name="takes_panel"),
    path(f"{takes}list/", views.take_list, name="take_list"),
    path(f"{takes}form/", views.take_form, name="take_form"),
    path(f"{takes}start/", views.start, name="start_take"),
    path(f"{takes}<int:take_id>/use/", views.use, name="use_take"),
    path(f"{takes}<int:take_id>/cancel/", views.cancel, name="cancel_take"),
]
