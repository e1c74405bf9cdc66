"""Fast data for the scenarios: an open sitting with assembled forms, candidates with browser
sessions, attempts in progress with their save tokens. Everything in bulk (``batch_size`` set)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

BATCH = 1000


@dataclass
class OpenSitting:
    sitting: object
    paper: object
    forms: list


def open_sitting(*, tag: str, n_items: int = 120, n_forms: int = 2, duration_minutes: int = 120) -> OpenSitting:
    """A scheduled sitting, open now, with ``n_forms`` forms of ``n_items`` approved SBA items."""
    from django.utils import timezone

    from accounts.models import User
    from curriculum.models import TechniqueArea
    from exams.delivery import layout_entry
    from exams.models import Exam, Form, FormItem, Paper, Sitting
    from question_bank.models import Question, QuestionVersion

    now = timezone.now()
    officer = User.objects.create(username=f"{tag}-officer")
    areas = list(TechniqueArea.objects.order_by("pk")[:10])
    exam = Exam.objects.create(code=tag, title_zh="基准考试", title_en="Benchmark exam", level="Q", created_by=officer)
    paper = Paper.objects.create(
        exam=exam, number=1, title_zh="第一卷", duration_minutes=duration_minutes, item_count=n_items
    )
    sitting = Sitting.objects.create(
        exam=exam,
        code=tag,
        opens_at=now - timedelta(minutes=5),
        closes_at=now + timedelta(hours=6),
        status=Sitting.Status.SCHEDULED,
        created_by=officer,
        assembled_at=now,
    )
    versions = []
    for position in range(1, n_items * n_forms + 1):
        content = {
            "type": "sba",
            "stem": f"基准题 {position}：一名 65 岁男性患者……",
            "lead_in": "最佳答案是？",
            "options": [{"id": letter, "text": f"选项 {letter}"} for letter in "ABCDE"],
            "key": ["ABCDE"[position % 5]],
        }
        question = Question.objects.create(area=areas[position % len(areas)], created_by=officer)
        versions.append(
            QuestionVersion.objects.create(
                question=question,
                number=1,
                status="approved",
                content=content,
                level="Q",
                pool="secure",
                author=officer,
            )
        )
    forms = []
    for f in range(n_forms):
        chosen = versions[f * n_items : (f + 1) * n_items]
        form = Form.objects.create(
            sitting=sitting,
            paper=paper,
            label="ABCDEFGH"[f],
            layout=[layout_entry(p, v.content) for p, v in enumerate(chosen, start=1)],
        )
        FormItem.objects.bulk_create(
            [
                FormItem(form=form, position=p, version=v, area_id=v.question.area_id)
                for p, v in enumerate(chosen, start=1)
            ],
            batch_size=BATCH,
        )
        forms.append(form)
    return OpenSitting(sitting=sitting, paper=paper, forms=forms)


def candidates(*, sitting, tag: str, n: int) -> list:
    """``n`` registered candidates (users + registrations), returned as registrations in order."""
    from accounts.models import User
    from exams.models import Registration

    officer = sitting.created_by
    User.objects.bulk_create(
        [
            User(
                username=f"{tag}-c{i:06d}",
                password="!",  # noqa: S106 - an unusable password
                display_name_zh="张伟",
                display_name_en="ZHANG Wei",
            )
            for i in range(n)
        ],
        batch_size=BATCH,
    )
    users = list(User.objects.filter(username__startswith=f"{tag}-c").order_by("username"))
    Registration.objects.bulk_create(
        [Registration(sitting=sitting, candidate=u, registered_by=officer) for u in users], batch_size=BATCH
    )
    return list(
        Registration.objects.filter(sitting=sitting, candidate__username__startswith=f"{tag}-c")
        .select_related("candidate")
        .order_by("candidate__username")
    )


def browser_sessions(users: list) -> list[tuple[str, str]]:
    """A logged-in session per user, stored in bulk; (session cookie, CSRF secret) for each."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    backend = next(
        (b for b in settings.AUTHENTICATION_BACKENDS if b.endswith("ModelBackend")),
        settings.AUTHENTICATION_BACKENDS[-1],
    )
    store = SessionStore()
    expires = timezone.now() + timedelta(days=1)
    rows, out = [], []
    for user in users:
        key = secrets.token_hex(16)
        data = {SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: backend, HASH_SESSION_KEY: user.get_session_auth_hash()}
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expires))
        out.append((key, secrets.token_hex(16)))  # 32 characters: a valid unmasked CSRF secret
    Session.objects.bulk_create(rows, batch_size=BATCH)
    return out


def session_headers(session: tuple[str, str]) -> dict[str, str]:
    from django.conf import settings

    key, csrf = session
    return {
        "Cookie": f"{settings.SESSION_COOKIE_NAME}={key}; {settings.CSRF_COOKIE_NAME}={csrf}",
        "X-CSRFToken": csrf,
        "Content-Type": "application/json",
        "Accept": "application/json",
        "Accept-Language": "zh-hans",
    }


def attempts_in_progress(*, opened: OpenSitting, registrations: list) -> list[tuple[int, str]]:
    """An attempt in progress for each registration (bulk); (attempt id, save token) for each."""
    from django.utils import timezone

    from exams.models import Attempt
    from exams.services.attempts import attempt_token

    now = timezone.now()
    forms = opened.forms
    Attempt.objects.bulk_create(
        [
            Attempt(
                registration=r,
                paper=opened.paper,
                form=forms[i % len(forms)],
                candidate_id=r.candidate_id,
                started_at=now,
                deadline_at=now + timedelta(hours=3),
                last_seen_at=now,
            )
            for i, r in enumerate(registrations)
        ],
        batch_size=BATCH,
    )
    attempts = Attempt.objects.filter(registration__in=[r.pk for r in registrations]).order_by("pk")
    return [(a.pk, attempt_token(a)) for a in attempts]
