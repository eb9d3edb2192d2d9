from django.urls import path

from web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("p/<int:pk>/", views.proposal_open, name="proposal-open"),
    path("preferences/<str:token>/", views.reminder_preferences, name="reminder-preferences"),
]
