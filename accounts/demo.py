"""Demo data steps, registered by each app and run in order by ``manage.py load_demo``.

Every step must be idempotent: running ``load_demo`` twice leaves the same data.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from .models import Organization, User
from .roles import Role


@dataclass(frozen=True)
class DemoStep:
    name: str
    run: Callable[[Callable[[str], None]], None]
    order: int


_STEPS: dict[str, DemoStep] = {}


def register_demo_step(name: str, run: Callable[[Callable[[str], None]], None], order: int) -> None:
    _STEPS[name] = DemoStep(name, run, order)


def demo_steps() -> list[DemoStep]:
    return sorted(_STEPS.values(), key=lambda step: step.order)


# username, password, roles, Chinese name, English name, organization code
DEMO_USERS: list[tuple[str, str, tuple[str, ...], str, str, str]] = [
    ("trainee", "demo-trainee-2026", (Role.TRAINEE,), "张伟", "Zhang Wei", "centre-bj"),
    ("trainee2", "demo-trainee-2026", (Role.TRAINEE,), "李娜", "Li Na", "centre-sh"),
    ("instructor", "demo-instructor-2026", (Role.INSTRUCTOR,), "王强", "Wang Qiang", "centre-bj"),
    ("reviewer", "demo-reviewer-2026", (Role.REVIEWER, Role.INSTRUCTOR), "刘洋", "Liu Yang", "centre-sh"),
    ("reviewer2", "demo-reviewer-2026", (Role.REVIEWER,), "陈静", "Chen Jing", "centre-gz"),
    ("officer", "demo-officer-2026", (Role.OFFICER,), "赵敏", "Zhao Min", "body-cn"),
    ("proctor", "demo-proctor-2026", (Role.PROCTOR,), "孙磊", "Sun Lei", "body-cn"),
]

DEMO_ORGANIZATIONS = [
    (
        "body-cn",
        "介入放射学专科资格认证委员会（演示）",
        "IR Specialist Credentialing Board (demo)",
        Organization.Kind.CREDENTIALING_BODY,
        "BJ",
    ),
    (
        "centre-bj",
        "北京介入放射学培训基地（演示）",
        "Beijing IR Training Centre (demo)",
        Organization.Kind.TRAINING_CENTRE,
        "BJ",
    ),
    (
        "centre-sh",
        "上海介入放射学培训基地（演示）",
        "Shanghai IR Training Centre (demo)",
        Organization.Kind.TRAINING_CENTRE,
        "SH",
    ),
    (
        "centre-gz",
        "广州介入放射学培训基地（演示）",
        "Guangzhou IR Training Centre (demo)",
        Organization.Kind.TRAINING_CENTRE,
        "GD",
    ),
]


@transaction.atomic
def load_accounts(say: Callable[[str], None]) -> None:
    from django.contrib.auth.models import Group

    from .roles import sync_roles

    sync_roles()
    orgs = {}
    for code, name_zh, name_en, kind, province in DEMO_ORGANIZATIONS:
        orgs[code], _created = Organization.objects.update_or_create(
            code=code, defaults={"name_zh": name_zh, "name_en": name_en, "kind": kind, "province": province}
        )
    for username, password, roles, name_zh, name_en, org_code in DEMO_USERS:
        user, created = User.objects.get_or_create(username=username)
        user.display_name_zh = name_zh
        user.display_name_en = name_en
        user.organization = orgs[org_code]
        user.province = orgs[org_code].province
        user.email = f"{username}@demo.irexam.local"
        if created or not user.check_password(password):
            user.set_password(password)
        user.save()
        user.groups.set(Group.objects.filter(name__in=roles))
    say(f"accounts: {len(DEMO_ORGANIZATIONS)} organizations, {len(DEMO_USERS)} users")


register_demo_step("accounts", load_accounts, order=10)
