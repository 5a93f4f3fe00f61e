from django.urls import path

from credits import views

app_name = "credits"

urlpatterns = [
    path("", views.history, name="history"),
]
