"""curriculum: the public curriculum, its officer editing, logbooks, progress, training periods, eligibility.

The logbook entry, training period and progress pages point at ``trainee``'s; ``instructor``
supervises him (``reviewer`` does not); officers see every trainee.
"""

from tests.security.roles import EVERYONE, INSTRUCTOR, NOBODY, OFFICER, REVIEWER, SIGNED_IN, TRAINEE, TRAINEES

AREA = {"code": "area.code"}
OBJECTIVE = {"code": "objective.code"}
REQUIREMENT = {"code": "requirement.code"}
LEVEL_RULE = {"level": "level_rule.level"}
ENTRY = {"pk": "logbook_entry"}
PERIOD = {"pk": "training_period"}
INSTRUCTORS = {INSTRUCTOR, REVIEWER}  # the reviewer persona also holds the instructor role
SUPERVISOR_OR_OFFICER = {INSTRUCTOR, OFFICER}

RULES = {
    # the curriculum is public; officers edit it
    "curriculum:index": {"GET": EVERYONE},
    "curriculum:area": {"GET": EVERYONE, "kwargs": AREA},
    "curriculum:requirements": {"GET": EVERYONE},
    "curriculum:area_edit": {"GET": {OFFICER}, "POST": {OFFICER}, "kwargs": AREA},
    "curriculum:objective_create": {"GET": {OFFICER}, "POST": {OFFICER}, "kwargs": AREA},
    "curriculum:objective_edit": {"GET": {OFFICER}, "POST": {OFFICER}, "kwargs": OBJECTIVE},
    "curriculum:requirement_create": {"GET": {OFFICER}, "POST": {OFFICER}},
    "curriculum:requirement_edit": {"GET": {OFFICER}, "POST": {OFFICER}, "kwargs": REQUIREMENT},
    "curriculum:level_rule_edit": {"GET": {OFFICER}, "POST": {OFFICER}, "kwargs": LEVEL_RULE},
    "api:curriculum-areas": {"GET": EVERYONE, "POST": {OFFICER}},
    "api:curriculum-area-detail": {"GET": EVERYONE, "PATCH": {OFFICER}, "kwargs": AREA},
    "api:curriculum-objectives": {"GET": EVERYONE, "POST": {OFFICER}},
    "api:curriculum-objective-detail": {"GET": EVERYONE, "PATCH": {OFFICER}, "kwargs": OBJECTIVE},
    "api:curriculum-requirements": {"GET": EVERYONE, "POST": {OFFICER}},
    "api:curriculum-requirement-detail": {"GET": EVERYONE, "PATCH": {OFFICER}, "kwargs": REQUIREMENT},
    "api:curriculum-level-rules": {"GET": EVERYONE},
    "api:curriculum-level-rule-detail": {"PATCH": {OFFICER}, "kwargs": LEVEL_RULE},
    "api:curriculum-supervisions": {"GET": {OFFICER}, "POST": {OFFICER}},
    # logbook: each trainee keeps his own; supervising instructors verify
    "curriculum:logbook": {"GET": TRAINEES, "POST": TRAINEES},
    "curriculum:logbook_import": {"GET": TRAINEES, "POST": TRAINEES},
    "curriculum:logbook_template": {"GET": SIGNED_IN},
    "curriculum:entry_edit": {"GET": {TRAINEE}, "POST": {TRAINEE}, "kwargs": ENTRY},
    "curriculum:entry_delete": {"GET": NOBODY, "POST": {TRAINEE}, "kwargs": ENTRY},
    "curriculum:review": {"GET": INSTRUCTORS, "POST": INSTRUCTORS},
    "curriculum:trainees": {"GET": INSTRUCTORS},
    "curriculum:entry_verify": {"GET": NOBODY, "POST": {INSTRUCTOR}, "kwargs": ENTRY},
    "curriculum:entry_reject": {
        "GET": NOBODY,
        "POST": {INSTRUCTOR},
        "kwargs": ENTRY,
        "data": {"reason": "Not my case."},
    },
    "api:logbook-entries": {"GET": SIGNED_IN, "POST": TRAINEES, "note": "a list of what each may see"},
    "api:logbook-entry-detail": {
        "GET": {TRAINEE, INSTRUCTOR, OFFICER},
        "PATCH": {TRAINEE},
        "DELETE": {TRAINEE},
        "kwargs": ENTRY,
    },
    "api:logbook-entry-verify": {"POST": {INSTRUCTOR}, "kwargs": ENTRY},
    "api:logbook-entry-reject": {"POST": {INSTRUCTOR}, "kwargs": ENTRY, "data": {"reason": "Not my case."}},
    "api:logbook-import": {"POST": TRAINEES},
    # progress and training periods
    "curriculum:my_progress": {"GET": SIGNED_IN, "note": "→ the user's own progress page"},
    "curriculum:progress": {"GET": {TRAINEE, INSTRUCTOR, OFFICER}},
    "curriculum:period_add": {"GET": NOBODY, "POST": TRAINEES},
    "curriculum:period_verify": {"GET": NOBODY, "POST": SUPERVISOR_OR_OFFICER, "kwargs": PERIOD},
    "api:logbook-training-periods": {"GET": SIGNED_IN, "POST": TRAINEES},
    "api:logbook-training-period-verify": {"POST": SUPERVISOR_OR_OFFICER, "kwargs": PERIOD},
    "api:eligibility": {"GET": {TRAINEE, INSTRUCTOR, OFFICER}, "kwargs": {"level": "=Q"}},
}
