from django.urls import URLPattern, URLResolver, path

from accounts.views import tickets as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("tickets/", views.ticket_list, name="tickets"),
    path("tickets/board/", views.ticket_board, name="ticket_board"),
    path("tickets/new/", views.ticket_create, name="ticket_create"),
    path("tickets/<int:number>/", views.ticket_detail, name="ticket_detail"),
    path("tickets/<int:number>/update/", views.ticket_update, name="ticket_update"),
    path("tickets/<int:number>/notes/", views.ticket_note, name="ticket_note"),
]
