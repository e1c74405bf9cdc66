"""The roles of the permission matrix (tests/security/test_permission_matrix.py).

Every object a URL parameter points at belongs to ``TRAINEE``: ``TRAINEE`` is "own object",
``OTHER_TRAINEE`` is "someone else's object". See tests/security/rules/__init__.py.
"""

ANONYMOUS = "anonymous"
TRAINEE = "trainee"
OTHER_TRAINEE = "other_trainee"
INSTRUCTOR = "instructor"
REVIEWER = "reviewer"
OFFICER = "officer"
PROCTOR = "proctor"

ROLES = (ANONYMOUS, TRAINEE, OTHER_TRAINEE, INSTRUCTOR, REVIEWER, OFFICER, PROCTOR)
EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {ANONYMOUS}
TRAINEES = frozenset({TRAINEE, OTHER_TRAINEE})
NOBODY: frozenset[str] = frozenset()
