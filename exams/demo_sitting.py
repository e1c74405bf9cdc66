"""Demo step (order 45): a past sitting of the qualifying exam, sat, scored, key-validated and released.

``load_demo_sitting(say, n_candidates=300, seed=2026)`` creates the sitting ``ir-qualifying-2026-spring``
(a window about two months ago, two parallel forms assembled from the bank as an officer would), then
``n_candidates`` simulated trainees ``demo-cand-001``… (Chinese names, training centres in several
provinces, unusable passwords) and the demo trainee ``trainee`` (张伟), each with one submitted attempt.

Answers follow a two-parameter logistic model: abilities from a mixture of N(0.55, 0.9) (85 %) and
N(-0.6, 0.8) (15 %, less prepared), shifted per training centre; an item's difficulty comes from the
author's estimate (the expected proportion of *borderline* candidates answering correctly, the
borderline candidate sitting at ability 0: b = -logit(estimate) / a, plus the authors' imprecision),
discriminations a ~ lognormal(-0.25, 0.3); a wrong answer picks a distractor with item-specific weights
(some distractors are more plausible); a few answers are omitted, more at the end of the paper by
weaker candidates. One item is ambiguous (a = 0.15) and four candidates comment on its wording.
Everything is drawn from one seeded generator, so the data are the same each time.

Then the real services run, as the exam office would: scoring (key validation opens), a modified-Angoff
panel of the demo instructors ("instructor", "reviewer") rating every unit of the reference form from
the authors' estimates, with Hofstee values, and the Angoff cut; a key decision on the flagged item with
the weakest discrimination (drop) and on the mildest other flagged item (keep), each with its reason;
key validation closed; results released. Certificates (order 60) come later, so releasing issues none.

Idempotent: if the sitting exists the step only reports it. The whole step is one transaction.
"""

from __future__ import annotations

import datetime
import math
import random
import time
from collections.abc import Callable

import numpy as np
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts.models import Organization, User
from accounts.roles import Role
from exams.delivery import shuffle_orders
from exams.models import (
    Attempt,
    Exam,
    Form,
    FormItem,
    ItemComment,
    Job,
    Registration,
    Response,
    Sitting,
    SittingAnalysis,
)
from exams.services import exams as exam_services
from exams.services.assembly import sitting_assemble
from exams.services.keys import key_decision_confirm, key_validation_close
from exams.services.registration import registration_check
from exams.services.results import results_release
from exams.services.scoring import scoring_job_run, scoring_job_start
from exams.services.standard_setting import (
    angoff_panel_close,
    angoff_panel_create,
    angoff_ratings_save,
    cut_score_set,
    hofstee_judgement_save,
    panel_units,
)

SITTING_CODE = "ir-qualifying-2026-spring"
QUALIFYING_CODE = "ir-qualifying"
CANDIDATE_PREFIX = "demo-cand-"
DEMO_TRAINEE = "trainee"
#: The demo trainee's ability: a well-prepared candidate.
DEMO_TRAINEE_THETA = 1.0
DEFAULT_CANDIDATES = 300
BATCH_SIZE = 1000
JUDGES = ("instructor", "reviewer")

# Training centres (code, Chinese name, English name, province, ability shift of its trainees, share).
CENTRES = [
    ("centre-bj", "北京介入放射学培训基地（演示）", "Beijing IR Training Centre (demo)", "BJ", 0.20, 0.18),
    ("centre-sh", "上海介入放射学培训基地（演示）", "Shanghai IR Training Centre (demo)", "SH", 0.15, 0.16),
    ("centre-gz", "广州介入放射学培训基地（演示）", "Guangzhou IR Training Centre (demo)", "GD", 0.05, 0.14),
    ("centre-cd", "成都介入放射学培训基地（演示）", "Chengdu IR Training Centre (demo)", "SC", 0.00, 0.12),
    ("centre-wh", "武汉介入放射学培训基地（演示）", "Wuhan IR Training Centre (demo)", "HB", -0.05, 0.12),
    ("centre-xa", "西安介入放射学培训基地（演示）", "Xi'an IR Training Centre (demo)", "SN", -0.15, 0.10),
    ("centre-sy", "沈阳介入放射学培训基地（演示）", "Shenyang IR Training Centre (demo)", "LN", -0.10, 0.10),
    ("centre-km", "昆明介入放射学培训基地（演示）", "Kunming IR Training Centre (demo)", "YN", -0.30, 0.08),
]
SURNAMES = [
    ("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"), ("杨", "Yang"), ("黄", "Huang"),
    ("赵", "Zhao"), ("吴", "Wu"), ("周", "Zhou"), ("徐", "Xu"), ("孙", "Sun"), ("马", "Ma"), ("朱", "Zhu"),
    ("胡", "Hu"), ("郭", "Guo"), ("何", "He"), ("高", "Gao"), ("林", "Lin"), ("罗", "Luo"), ("郑", "Zheng"),
    ("梁", "Liang"), ("谢", "Xie"), ("宋", "Song"), ("唐", "Tang"), ("韩", "Han"), ("冯", "Feng"), ("邓", "Deng"),
    ("曹", "Cao"), ("彭", "Peng"), ("曾", "Zeng"), ("肖", "Xiao"), ("田", "Tian"), ("董", "Dong"), ("潘", "Pan"),
]  # fmt: skip
GIVEN = [
    ("伟", "Wei"), ("芳", "Fang"), ("娜", "Na"), ("敏", "Min"), ("静", "Jing"), ("丽", "Li"), ("强", "Qiang"),
    ("磊", "Lei"), ("军", "Jun"), ("洋", "Yang"), ("勇", "Yong"), ("艳", "Yan"), ("杰", "Jie"), ("涛", "Tao"),
    ("明", "Ming"), ("超", "Chao"), ("霞", "Xia"), ("平", "Ping"), ("刚", "Gang"), ("华", "Hua"), ("飞", "Fei"),
    ("鑫", "Xin"), ("波", "Bo"), ("宇", "Yu"), ("浩", "Hao"), ("凯", "Kai"), ("健", "Jian"), ("帆", "Fan"),
    ("晨", "Chen"), ("婷", "Ting"), ("雪", "Xue"), ("琳", "Lin"), ("颖", "Ying"), ("博", "Bo"), ("文", "Wen"),
    ("思", "Si"), ("佳", "Jia"), ("志", "Zhi"), ("建", "Jian"), ("海", "Hai"), ("慧", "Hui"), ("晓", "Xiao"),
]  # fmt: skip

#: The discrimination of the one ambiguous item, on which a few candidates comment.
AMBIGUOUS_DISCRIMINATION = 0.15
COMMENTS = (
    "题干信息不够，感觉有两个选项都对。",
    "这道题题意不太清楚，请核实答案。",
    "选项之间区别不明显。",
    "题目描述有歧义。",
)
DROP_REASON = (
    "演示：该题区分度最低（校正点二列相关偏低），本次考试不计分，退回命题人复核。"
    "Demo: the weakest discrimination of the flagged items; not scored in this sitting and returned to the "
    "author for review."
)
KEEP_REASON = (
    "演示：区分度略低，已复核统计与选项分布，保留计分。"
    "Demo: slightly low discrimination; statistics and option choices reviewed, the item is kept."
)
CUT_REASON = "演示：改良 Angoff 法专家组（2 名评审）第一轮结果。Demo: modified Angoff panel (2 judges), round 1."
OVERRIDE_REASON = "演示：考务办公室为演示考试登记。Demo: registered by the exam office for the demo sitting."
SIMULATED_REASON = "演示：模拟考生，没有培训记录。Demo: a simulated candidate without training records."


def _name(rng: random.Random) -> tuple[str, str]:
    surname, surname_en = rng.choice(SURNAMES)
    given = [rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2)))]
    return surname + "".join(c for c, _p in given), f"{surname_en} {''.join(p for _c, p in given).capitalize()}"


def _centres() -> list[Organization]:
    centres = []
    for code, name_zh, name_en, province, _shift, _share in CENTRES:
        organization, _created = Organization.objects.get_or_create(
            code=code,
            defaults={
                "name_zh": name_zh,
                "name_en": name_en,
                "kind": Organization.Kind.TRAINING_CENTRE,
                "province": province,
            },
        )
        centres.append(organization)
    return centres


def _candidates(n: int, rng: random.Random, np_rng: np.random.Generator) -> tuple[list[User], np.ndarray]:
    """The simulated trainees (created or found by username) and their abilities, in username order."""
    centres = _centres()
    shares = np.array([c[5] for c in CENTRES])
    centre_index = np_rng.choice(len(CENTRES), size=n, p=shares / shares.sum())
    weaker = np_rng.random(n) < 0.15
    theta = np.where(weaker, np_rng.normal(-0.6, 0.8, n), np_rng.normal(0.55, 0.9, n))
    theta += np.array([c[4] for c in CENTRES])[centre_index]
    usernames = [f"{CANDIDATE_PREFIX}{i:03d}" for i in range(1, n + 1)]
    existing = {u.username: u for u in User.objects.filter(username__in=usernames)}
    new = []
    for i, username in enumerate(usernames):
        name_zh, name_en = _name(rng)
        if username in existing:
            continue
        centre = centres[centre_index[i]]
        new.append(
            User(
                username=username,
                password=make_password(None),
                display_name_zh=name_zh,
                display_name_en=name_en,
                organization=centre,
                province=centre.province,
            )
        )
    User.objects.bulk_create(new, batch_size=BATCH_SIZE)
    trainees = Group.objects.filter(name=Role.TRAINEE).first()
    by_name = {u.username: u for u in User.objects.filter(username__in=usernames)}
    users = [by_name[username] for username in usernames]
    if trainees is not None:
        membership = User.groups.through
        have = set(membership.objects.filter(group=trainees, user__in=users).values_list("user_id", flat=True))
        membership.objects.bulk_create(
            [membership(user_id=u.pk, group_id=trainees.pk) for u in users if u.pk not in have], batch_size=BATCH_SIZE
        )
    return users, theta


def _item_parameters(contents: dict[int, dict], estimates: dict[int, float | None], np_rng) -> dict[int, dict]:
    """Per version: discrimination a, difficulty b (from the author's estimate), distractor weights."""
    known = [e for e in estimates.values() if e is not None]
    typical = float(np.mean(known)) if known else 0.7
    parameters = {}
    for version_id in sorted(contents):
        content = contents[version_id]
        estimate = estimates.get(version_id)
        estimate = min(max(typical if estimate is None else estimate, 0.05), 0.97)
        a = float(np.clip(np_rng.lognormal(-0.25, 0.3), 0.3, 1.8))
        b = -math.log(estimate / (1.0 - estimate)) / a + float(np_rng.normal(0.0, 0.35))
        options = [o["id"] for o in content["options"]]
        distractors = [o for o in options if o not in content["key"]]
        weights = np_rng.dirichlet(np.full(len(distractors), 0.8)) if distractors else np.array([])
        parameters[version_id] = {"a": a, "b": b, "key": content["key"][0], "distractors": distractors, "w": weights}
    if parameters:  # one ambiguous item: it barely separates strong from weak candidates
        ambiguous = min(parameters, key=lambda v: (parameters[v]["a"], v))
        parameters[ambiguous]["a"] = AMBIGUOUS_DISCRIMINATION
        parameters[ambiguous]["ambiguous"] = True
    return parameters


def _answers(theta: float, items: list[tuple[int, int]], parameters: dict[int, dict], np_rng) -> dict[int, dict]:
    """One candidate's answers: position -> {"choice": id}; omitted positions are absent."""
    n = len(items)
    answers = {}
    draws = np_rng.random((n, 3))
    for index, (position, version_id) in enumerate(items):
        item = parameters[version_id]
        late = index >= n * 0.9 and theta < -0.5
        if draws[index, 0] < (0.035 if late else 0.005):
            continue
        p = 1.0 / (1.0 + math.exp(-item["a"] * (theta - item["b"])))
        if draws[index, 1] < p or not item["distractors"]:
            choice = item["key"]
        else:
            cumulative = np.cumsum(item["w"])
            choice = item["distractors"][min(int(np.searchsorted(cumulative, draws[index, 2])), len(cumulative) - 1)]
        answers[position] = {"choice": choice}
    return answers


def _run_jobs(sitting: Sitting) -> None:
    """Run the sitting's waiting scoring jobs here (a worker may be absent while demo data load)."""
    for job_id in (
        Job.objects.filter(sitting=sitting, status=Job.Status.PENDING).order_by("pk").values_list("pk", flat=True)
    ):
        scoring_job_run(job_id)


def _create_sitting(exam: Exam, officer: User, say: Callable[[str], None]) -> Sitting | None:
    opens = (timezone.now() - datetime.timedelta(days=60)).replace(hour=1, minute=0, second=0, microsecond=0)
    sitting = exam_services.sitting_create(
        exam=exam,
        by=officer,
        code=SITTING_CODE,
        opens_at=opens,
        closes_at=opens + datetime.timedelta(hours=8),
        time_zone="Asia/Shanghai",
        form_mode=Sitting.FormMode.FIXED,
        form_count=2,
    )
    sitting_assemble(sitting=sitting, by=officer, seed=2025)
    return exam_services.sitting_update(sitting=sitting, by=officer, status=Sitting.Status.SCHEDULED)


def _registration(sitting: Sitting, user: User, officer: User) -> Registration:
    """A registration as the exam office records it: the real eligibility check for the demo trainee,
    an override for the simulated candidates (they have no training records)."""
    if user.username.startswith(CANDIDATE_PREFIX):
        check = {
            "eligible": False,
            "checked_at": (sitting.opens_at - datetime.timedelta(days=30)).isoformat(),
            "reasons": [{"code": "simulated", "message": SIMULATED_REASON}],
            "met": [],
        }
    else:
        check = registration_check(candidate=user, sitting=sitting).as_json()
    override = "" if check["eligible"] else OVERRIDE_REASON
    return Registration(
        sitting=sitting,
        candidate=user,
        registered_by=officer,
        eligibility={**check, "override": bool(override)},
        override_reason=override,
        override_by=officer if override else None,
    )


def _sit(sitting: Sitting, officer: User, candidates: list[tuple[User, float]], np_rng) -> int:
    """Registrations, submitted attempts and responses for every candidate; returns the number of responses."""
    from question_bank.models import QuestionVersion

    forms = list(Form.objects.filter(sitting=sitting).select_related("paper").order_by("label"))
    items_by_form = {
        form.pk: list(FormItem.objects.filter(form=form).order_by("position").values_list("position", "version_id"))
        for form in forms
    }
    version_ids = {v for items in items_by_form.values() for _p, v in items}
    rows = QuestionVersion.objects.filter(pk__in=version_ids).values_list("pk", "content", "difficulty_estimate")
    contents = {pk: content for pk, content, _e in rows}
    parameters = _item_parameters(contents, {pk: e for pk, _c, e in rows}, np_rng)
    registrations = Registration.objects.bulk_create(
        [_registration(sitting, user, officer) for user, _theta in candidates], batch_size=BATCH_SIZE
    )
    order_rng = random.Random(int(np_rng.integers(2**31)))  # noqa: S311 - presentation order of a demo
    attempts = []
    plan = []
    for index, (registration, (user, theta)) in enumerate(zip(registrations, candidates, strict=True)):
        form = forms[index % len(forms)]
        started = sitting.opens_at + datetime.timedelta(minutes=int(np_rng.integers(0, 30)))
        duration = datetime.timedelta(minutes=form.paper.duration_minutes)
        used = duration * float(np_rng.uniform(0.55, 0.98))
        attempts.append(
            Attempt(
                registration=registration,
                paper=form.paper,
                form=form,
                candidate=user,
                status=Attempt.Status.SUBMITTED,
                started_at=started,
                deadline_at=started + duration,
                submitted_at=started + used,
                finalized_by="candidate",
                last_seen_at=started + used,
                option_orders=shuffle_orders(form.layout, order_rng),
            )
        )
        plan.append((form, theta, started, used))
    attempts = Attempt.objects.bulk_create(attempts, batch_size=BATCH_SIZE)
    responses = []
    for attempt, (form, theta, started, used) in zip(attempts, plan, strict=True):
        items = items_by_form[form.pk]
        answers = _answers(theta, items, parameters, np_rng)
        for seq, (position, answer) in enumerate(sorted(answers.items()), start=1):
            saved = started + used * (seq / (len(items) + 1))
            responses.append(Response(attempt=attempt, position=position, answer=answer, seq=seq, saved_at=saved))
    Response.objects.bulk_create(responses, batch_size=BATCH_SIZE)
    _comments(attempts, plan, items_by_form, parameters, np_rng)
    return len(responses)


def _comments(attempts: list[Attempt], plan: list[tuple], items_by_form, parameters, np_rng) -> None:
    """A few candidates comment on the ambiguous item (no claim about its content, only its wording)."""
    ambiguous = next((v for v, item in parameters.items() if item.get("ambiguous")), None)
    takers = [
        (attempt, position)
        for attempt, (form, *_rest) in zip(attempts, plan, strict=True)
        for position, version_id in items_by_form[form.pk]
        if version_id == ambiguous
    ]
    if not takers:
        return
    chosen = np_rng.choice(len(takers), size=min(len(COMMENTS), len(takers)), replace=False)
    ItemComment.objects.bulk_create(
        [
            ItemComment(
                attempt=takers[index][0],
                position=takers[index][1],
                version_id=ambiguous,
                text=text,
                created_at=takers[index][0].submitted_at,
            )
            for index, text in zip(chosen.tolist(), COMMENTS, strict=False)
        ]
    )


def _standard(sitting: Sitting, officer: User, ratings_rng: np.random.Generator, say) -> None:
    """A modified-Angoff panel of the demo instructors, with Hofstee values; its cut becomes the paper's."""
    from question_bank.models import QuestionVersion

    judges = list(User.objects.filter(username__in=JUDGES).order_by("username"))
    judges = [j for j in judges if j.has_role(Role.INSTRUCTOR)]
    paper = sitting.exam.papers.order_by("number").first()
    if not judges or paper is None:
        say("exams: demo sitting: no instructors to sit on an Angoff panel; a fixed 60 % cut instead")
        if paper is not None:
            cut_score_set(sitting=sitting, paper=paper, method="fixed", percent=60, reason=CUT_REASON, by=officer)
        return
    panel = angoff_panel_create(sitting=sitting, paper=paper, judges=judges, by=officer)
    units = panel_units(panel)
    estimates = dict(
        QuestionVersion.objects.filter(pk__in=[u["version_id"] for u in units]).values_list("pk", "difficulty_estimate")
    )
    for bias, judge in zip((3.0, -2.0, 0.0), judges, strict=False):
        ratings = {}
        for unit in units:
            estimate = estimates.get(unit["version_id"]) or 0.7
            value = 100 * estimate + bias + float(ratings_rng.normal(0, 6))
            ratings[unit["label"]] = float(min(95, max(20, 5 * round(value / 5))))
        angoff_ratings_save(panel=panel, judge=judge, ratings=ratings)
        hofstee_judgement_save(
            panel=panel, judge=judge, min_cut=55 + bias, max_cut=72 + bias, min_fail=10, max_fail=40 - bias
        )
    angoff_panel_close(panel=panel, by=officer)
    cut_score_set(sitting=sitting, paper=paper, method="angoff", panel=panel, reason=CUT_REASON, by=officer)


def _flagged_units(sitting: Sitting) -> tuple[dict, dict, dict]:
    """The flagged units of the stored analysis: their flag codes (both forms), lowest r_pb and a place."""
    data = SittingAnalysis.objects.get(sitting=sitting).data
    codes: dict[tuple[int, str], set[str]] = {}
    rpb: dict[tuple[int, str], float] = {}
    where: dict[tuple[int, str], str] = {}
    for form in data["forms"]:
        for item in form["items"]:
            if not item.get("flags") or item.get("dropped"):
                continue
            unit = (item["version_id"], item["unit_id"])
            codes.setdefault(unit, set()).update(flag["code"] for flag in item["flags"])
            value = item.get("rpb")
            rpb[unit] = min(rpb.get(unit, 1.0), 1.0 if value is None else value)
            where.setdefault(unit, f"form {form['label']} position {item['label']}")
    return codes, rpb, where


def _key_decisions(sitting: Sitting, officer: User) -> list[str]:
    """Drop the flagged unit with the weakest discrimination; after rescoring, keep the mildest flagged unit.

    A unit on both forms counts with its flags from both and its lowest corrected point-biserial.
    Returns what was done.
    """
    from question_bank.models import QuestionVersion

    done = []
    codes, rpb, where = _flagged_units(sitting)
    discrimination = {"low_discrimination", "negative_discrimination", "possible_miskey"}
    weak = sorted(unit for unit, flags in codes.items() if flags & discrimination)
    if weak:
        dropped = min(weak, key=lambda u: (rpb[u], u))
        version = QuestionVersion.objects.get(pk=dropped[0])
        key_decision_confirm(
            sitting=sitting, version=version, unit_id=dropped[1], action="drop", key=[], reason=DROP_REASON, by=officer
        )
        done.append(f"dropped {where[dropped]}")
        _run_jobs(sitting)
        codes, rpb, where = _flagged_units(sitting)
    mild = [unit for unit, flags in codes.items() if flags <= {"low_discrimination", "too_easy", "too_hard"}]
    if mild:
        kept = max(mild, key=lambda u: (rpb[u], u))
        version = QuestionVersion.objects.get(pk=kept[0])
        key_decision_confirm(
            sitting=sitting, version=version, unit_id=kept[1], action="keep", key=[], reason=KEEP_REASON, by=officer
        )
        done.append(f"kept {where[kept]}")
        _run_jobs(sitting)
    return done


def load_demo_sitting(
    say: Callable[[str], None], *, n_candidates: int = DEFAULT_CANDIDATES, seed: int = 2026
) -> Sitting | None:
    """The ``load_demo`` step; see the module docstring. Returns the released sitting (``None`` if impossible)."""
    existing = Sitting.objects.filter(code=SITTING_CODE).first()
    if existing is not None:
        say(f"exams: demo sitting {SITTING_CODE} already there ({existing.get_status_display()})")
        return existing
    officer = User.objects.filter(username="officer").first()
    exam = Exam.objects.filter(code=QUALIFYING_CODE).first()
    if officer is None or exam is None or not exam.papers.exists():
        say("exams: no released demo sitting: the officer or the qualifying exam (with a paper) is missing")
        return None
    clock = time.perf_counter()
    rng = random.Random(seed)  # noqa: S311 - demo names
    np_rng = np.random.default_rng(seed)
    with transaction.atomic():
        sitting = _create_sitting(exam, officer, say)
        users, theta = _candidates(n_candidates, rng, np_rng)
        candidates = list(zip(users, theta.tolist(), strict=True))
        trainee = User.objects.filter(username=DEMO_TRAINEE).first()
        if trainee is not None:
            candidates.append((trainee, DEMO_TRAINEE_THETA))
        n_responses = _sit(sitting, officer, candidates, np_rng)
        sitting = exam_services.sitting_update(sitting=sitting, by=officer, status=Sitting.Status.CLOSED)
        scoring_job_start(sitting=sitting, by=officer, reason="demo")
        _run_jobs(sitting)
        _standard(sitting, officer, np.random.default_rng(seed + 1), say)
        _run_jobs(sitting)
        decisions = _key_decisions(sitting, officer)
        _run_jobs(sitting)
        key_validation_close(sitting=sitting, by=officer)
        sitting = results_release(sitting=sitting, by=officer)
    data = SittingAnalysis.objects.get(sitting=sitting).data
    cuts = ", ".join(f"{value:.1f} %" for value in data["cuts"].values())
    kr20 = [f"{(form.get('test') or {}).get('kr20') or 0:.2f}" for form in data["forms"]]
    say(
        f"exams: released demo sitting {SITTING_CODE}: {len(candidates)} candidates, {n_responses} responses, "
        f"{data['pass_count']} passed (cut {cuts}), KR-20 {' / '.join(kr20)}"
        + "".join(f"; {d}" for d in decisions)
        + f" ({time.perf_counter() - clock:.1f} s)"
    )
    return sitting


def register() -> None:
    from accounts.demo import register_demo_step

    register_demo_step("exams_released_sitting", load_demo_sitting, order=45)
