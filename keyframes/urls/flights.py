from django.urls import path

from keyframes.views import flights as views

project = "projects/<int:project_id>/"

urlpatterns = [
    path(f"{project}auto-flight/", views.flight_plan, name="flight_plan"),
    path(f"{project}auto-flight/launch/", views.flight_launch, name="flight_launch"),
    path(f"{project}auto-flight/cut-list/", views.flight_cut_list, name="flight_cut_list"),
    path(f"{project}auto-flight/<int:flight_id>/", views.flight_detail, name="flight_detail"),
]
