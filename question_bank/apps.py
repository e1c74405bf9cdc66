from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuestionBankConfig(AppConfig):
    name = "question_bank"
    verbose_name = _("Question bank")

    def ready(self) -> None:
        from accounts.demo import register_demo_step
        from accounts.roles import Role, grant
        from curriculum.registry import register_objective_item_counter

        from . import models  # noqa: F401 - connects the objectives immutability guard
        from .demo.loader import load_question_bank_demo
        from .selectors import objective_practice_item_counts

        grant(
            Role.INSTRUCTOR,
            "question_bank.add_question",
            "question_bank.view_question",
            "question_bank.add_questionversion",
            "question_bank.change_questionversion",
            "question_bank.view_questionversion",
            "question_bank.add_media",
            "question_bank.view_media",
            "question_bank.view_review",
        )
        grant(
            Role.REVIEWER,
            "question_bank.view_question",
            "question_bank.view_questionversion",
            "question_bank.add_review",
            "question_bank.view_review",
            "question_bank.add_media",
            "question_bank.view_media",
        )
        grant(
            Role.OFFICER,
            "question_bank.add_question",
            "question_bank.change_question",
            "question_bank.view_question",
            "question_bank.add_questionversion",
            "question_bank.change_questionversion",
            "question_bank.view_questionversion",
            "question_bank.view_review",
            "question_bank.add_media",
            "question_bank.view_media",
            "question_bank.view_versiontransition",
            "question_bank.view_itemstatistic",
        )
        register_objective_item_counter(objective_practice_item_counts)
        register_demo_step("question_bank", load_question_bank_demo, order=30)
        from .dicom_demo import load_dicom_demo

        register_demo_step("question_bank_dicom", load_dicom_demo, order=35)

        from .dashboard import register_pages

        register_pages()
