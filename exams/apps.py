import importlib

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Modules that declare navigation, dashboard panels, role permissions and demo steps in a register() function.
REGISTERING_MODULES = [
    "exams.views.officer",
    "exams.views.candidate",
    "exams.views.proctor",
    "exams.registry",
    "exams.tasks_scoring",
    "exams.views.scoring",
    "exams.dicom_access",
    "exams.views.practice",
    "exams.demo_sitting",
]


class ExamsConfig(AppConfig):
    name = "exams"
    verbose_name = _("Exams")

    def ready(self) -> None:
        for name in REGISTERING_MODULES:
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name == name:
                    continue  # that part of the app is not there yet
                raise
            register = getattr(module, "register", None)
            if register is not None:
                register()
