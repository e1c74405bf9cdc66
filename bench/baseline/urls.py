from django.urls import path

from . import views

urlpatterns = [
    path("healthz", views.healthz),
    path("save/<int:attempt_id>/<int:position>/", views.save),
    path("start/", views.start),
    path("verify/<str:code>/", views.verify),
]
