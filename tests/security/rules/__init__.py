"""Permission-matrix rules: what each role may do at each URL. Every module in this package is loaded.

``tests/security/test_permission_matrix.py`` walks the URLconf and collects every named URL (pages
and ``/api/v1/…``); **a URL without a rule fails the test**, so a new ``path(..., name=...)`` comes
with its rule. Put the rules of a feature in a module of its own here (``exams_practice.py``,
``question_bank_dicom.py``…); a URL name declared in two modules fails too.

The format, a plain dict named ``RULES`` per module::

    from tests.security.roles import EVERYONE, INSTRUCTOR, NOBODY, OFFICER, SIGNED_IN, TRAINEE, TRAINEES

    RULES = {
        # "namespace:url_name": {HTTP method: the roles ALLOWED}; every other role must be DENIED
        "exams:my_sittings": {"GET": TRAINEES},                  # each trainee has his own page
        "exams:exam_page": {"GET": {TRAINEE}},                   # URL parameters point at TRAINEE's objects
        "certificates:verify": {"GET": EVERYONE},                # public
        "exams:officer_paper": {
            "GET": {OFFICER},
            "POST": {OFFICER},
            "kwargs": {"pk": "paper"},          # URL parameter → world attribute path, "=literal" or callable(world)
            "data": {"title_en": "x"},          # body of the write methods (or callable(world))
            "query": {"a": 1},                  # query string
            "headers": {"X-Attempt-Token": ""}, # extra headers (or callable(world))
            "note": "why a surprising rule is right",
        },
    }

- Roles: ``ANONYMOUS``, ``TRAINEE``, ``OTHER_TRAINEE``, ``INSTRUCTOR``, ``REVIEWER``, ``OFFICER``,
  ``PROCTOR`` (tests/security/roles.py). Every object a URL parameter points at belongs to
  ``TRAINEE`` (``OTHER_TRAINEE`` = "someone else's object"); questions are ``INSTRUCTOR``'s, who
  supervises ``TRAINEE``; ``REVIEWER`` also holds the instructor role but is neither author nor
  supervisor; ``PROCTOR`` is assigned to the open sitting (tests/security/world.py).
- Methods: declare every method the view accepts; for DRF views the test checks that each implemented
  method is declared. ``"POST": NOBODY`` says nobody may POST.
- Denied = 401, 403, 404, 405 or a redirect to a login page; a denied write must change no row.
  Allowed GET = below 400 and not a redirect to login; allowed write = no 5xx, 401 or 403.
- A module may add objects to the world and resolvers for new URL parameter names::

      def extend_world(world):                     # called once, when the world is built
          world.practice_session = ...

      KWARGS = {"session_id": lambda world: world.practice_session.pk}

Run one feature's rules: ``pytest tests/security/test_permission_matrix.py -k practice``.
"""
