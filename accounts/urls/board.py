from django.urls import URLPattern, URLResolver, path

from accounts.views import board as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("board/", views.board, name="board"),
    path("board/move/", views.board_move, name="board_move"),
]
