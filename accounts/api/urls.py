from django.urls import path

from . import views

urlpatterns = [
    path("me/", views.MeApi.as_view(), name="me"),
    path("auth/token/", views.TokenApi.as_view(), name="token"),
]
