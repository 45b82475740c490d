from django.urls import URLPattern, URLResolver, path

from accounts.views import board as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("board/", views.board, name="board"),
    path("board/move/", views.board_move, name="board_move"),
    # A column's next cards ("Show more"): a stage's id, or "none" for the accounts without a stage.
    path("board/columns/<str:column>/", views.board_column, name="board_column"),
]
