from django.urls import path

from projects import board_views, export_views, settings_views, views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("new/", views.project_create, name="create"),
    path("<int:project_id>/", board_views.board, name="storyboard"),
    path("<int:project_id>/board/order/", board_views.board_reorder, name="board_reorder"),
    path("<int:project_id>/delete/", views.project_delete, name="delete"),
    path("<int:project_id>/cuts/add/", views.cut_add, name="cut_add"),
    path("<int:project_id>/cuts/reorder/", views.cut_reorder, name="cut_reorder"),
    path("<int:project_id>/cuts/move/", views.cut_move, name="cut_move"),
    path("<int:project_id>/cuts/<int:cut_id>/", views.cut_editor, name="cut"),
    path("<int:project_id>/cuts/<int:cut_id>/text/", views.cut_text, name="cut_text"),
    path("<int:project_id>/cuts/<int:cut_id>/delete/", views.cut_delete, name="cut_delete"),
    path(
        "<int:project_id>/cuts/<int:cut_id>/prompt/restore/",
        views.prompt_restore,
        name="prompt_restore",
    ),
    path("<int:project_id>/settings/", settings_views.project_settings_page, name="settings"),
    path("<int:project_id>/cuts/<int:cut_id>/shot/", settings_views.cut_shot, name="cut_shot"),
    path("<int:project_id>/export/", export_views.export_page, name="export"),
    path(
        "<int:project_id>/export/<slug:format_key>/",
        export_views.export_download,
        name="export_download",
    ),
    path(
        "<int:project_id>/export/<slug:format_key>/start/",
        export_views.export_start,
        name="export_start",
    ),
    path(
        "<int:project_id>/exports/<slug:token>/",
        export_views.export_status,
        name="export_status",
    ),
    path(
        "<int:project_id>/exports/<slug:token>/download/",
        export_views.export_result,
        name="export_result",
    ),
]
