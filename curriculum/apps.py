from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CurriculumConfig(AppConfig):
    name = "curriculum"
    verbose_name = _("Curriculum")

    def ready(self) -> None:
        from accounts.dashboards import register_nav, register_panel
        from accounts.demo import register_demo_step
        from accounts.roles import Role, grant

        from . import dashboard
        from .demo import load_curriculum_demo

        grant(
            Role.OFFICER,
            "curriculum.add_techniquearea",
            "curriculum.change_techniquearea",
            "curriculum.view_techniquearea",
            "curriculum.add_objective",
            "curriculum.change_objective",
            "curriculum.view_objective",
            "curriculum.add_caserequirement",
            "curriculum.change_caserequirement",
            "curriculum.view_caserequirement",
            "curriculum.change_levelrule",
            "curriculum.add_supervision",
            "curriculum.view_logbookentry",
            "curriculum.view_trainingperiod",
        )
        grant(
            Role.INSTRUCTOR,
            "curriculum.verify_logbookentry",
            "curriculum.view_logbookentry",
            "curriculum.view_trainingperiod",
        )
        grant(Role.TRAINEE, "curriculum.add_logbookentry", "curriculum.add_trainingperiod")

        register_nav(Role.TRAINEE, "curriculum:index", _("Curriculum"), order=20)
        register_nav(Role.TRAINEE, "curriculum:logbook", _("My logbook"), order=21)
        register_nav(Role.TRAINEE, "curriculum:my_progress", _("My progress"), order=22)
        register_nav(Role.INSTRUCTOR, "curriculum:review", _("Pending verifications"), order=20)
        register_nav(Role.INSTRUCTOR, "curriculum:trainees", _("My trainees"), order=21)
        register_nav(Role.OFFICER, "curriculum:index", _("Curriculum"), order=20)
        register_nav(Role.OFFICER, "curriculum:requirements", _("Requirements"), order=21)

        register_panel(Role.TRAINEE, "curriculum/panels/trainee.html", dashboard.trainee_panel, order=20)
        register_panel(Role.INSTRUCTOR, "curriculum/panels/instructor.html", dashboard.instructor_panel, order=20)
        register_panel(Role.OFFICER, "curriculum/panels/officer.html", order=20)

        register_demo_step("curriculum", load_curriculum_demo, order=20)
