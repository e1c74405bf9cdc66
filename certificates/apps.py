from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("Certificates")

    def ready(self) -> None:
        from accounts.dashboards import register_nav, register_panel
        from accounts.demo import register_demo_step
        from accounts.roles import Role, grant
        from exams import registry

        from . import dashboard
        from .demo import load_certificates_demo
        from .services.issuing import on_results_released
        from .services.status import holds_valid_certificate

        grant(
            Role.OFFICER,
            "certificates.view_certificate",
            "certificates.add_certificate",
            "certificates.change_certificate",
            "certificates.view_issuer",
            "certificates.add_issuer",
            "certificates.change_issuer",
            "certificates.view_certificatetype",
            "certificates.add_certificatetype",
            "certificates.view_cmecredit",
            "certificates.change_cmecredit",
        )
        grant(Role.TRAINEE, "certificates.add_cmecredit")

        register_nav(Role.TRAINEE, "certificates:mine", _("My certificates"), order=60)
        register_nav(Role.OFFICER, "certificates:manage_list", _("Certificates"), order=60)
        register_nav(Role.OFFICER, "certificates:manage_issuers", _("Issuers"), order=61)
        register_panel(Role.TRAINEE, "certificates/panels/trainee.html", dashboard.trainee_panel, order=60)
        register_panel(Role.OFFICER, "certificates/panels/officer.html", dashboard.officer_panel, order=60)

        register_demo_step("certificates", load_certificates_demo, order=60)

        registry.register_certificate_checker(holds_valid_certificate)
        registry.register_results_released(on_results_released)
