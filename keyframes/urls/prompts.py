from django.urls import path

from keyframes.views import prompts

urlpatterns = [
    path("cuts/<int:cut_id>/prompt/write/", prompts.prompt_write, name="prompt_write"),
    path("cuts/<int:cut_id>/prompt/status/", prompts.prompt_status, name="prompt_status"),
]
