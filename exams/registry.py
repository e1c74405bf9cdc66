"""Hooks between the exams app and its neighbours.

* Certificates live in a higher app: it registers a checker with
  :func:`register_certificate_checker` (``fn(candidate, level) -> bool``: does the candidate hold a
  valid certificate of that exam level?). Registration asks :func:`holds_certificate`; with no
  checker registered the prerequisite counts as not met (and says so).
* The question bank shows coverage against demand: :func:`register` (called from
  ``ExamsConfig.ready``) registers :func:`blueprint_demand`, the items needed per
  (area code, level, pool) by exams that have a sitting whose results are not yet released.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

CertificateChecker = Callable[[object, str], bool]
_CERTIFICATE_CHECKERS: list[CertificateChecker] = []


def register_certificate_checker(fn: CertificateChecker) -> None:
    """Declare how to tell whether a candidate holds a valid certificate of an exam level."""
    if fn not in _CERTIFICATE_CHECKERS:
        _CERTIFICATE_CHECKERS.append(fn)


def unregister_certificate_checker(fn: CertificateChecker) -> None:
    if fn in _CERTIFICATE_CHECKERS:
        _CERTIFICATE_CHECKERS.remove(fn)


def has_certificate_checker() -> bool:
    return bool(_CERTIFICATE_CHECKERS)


def holds_certificate(candidate: object, level: str) -> bool | None:
    """True/False from the registered checkers (any one saying yes suffices); None when none is registered."""
    if not _CERTIFICATE_CHECKERS:
        return None
    return any(checker(candidate, level) for checker in _CERTIFICATE_CHECKERS)


def blueprint_demand() -> dict[tuple[str, str, str], int]:
    """Items needed per (area code, level, pool) by exams with a sitting not yet released or cancelled.

    A row without a level needs items of the exam's level. Each exam counts once, however many
    sittings it has (one form's worth per exam; parallel forms need more, which the assembly
    reports precisely). Two queries.
    """
    from exams.models import BlueprintRow, Sitting

    active = Sitting.objects.exclude(status__in=[Sitting.Status.RELEASED, Sitting.Status.CANCELLED]).values("exam_id")
    demand: dict[tuple[str, str, str], int] = defaultdict(int)
    rows = BlueprintRow.objects.filter(paper__exam_id__in=active).values_list(
        "area__code", "level", "paper__exam__level", "paper__exam__purpose", "count"
    )
    for area_code, level, exam_level, purpose, count in rows:
        demand[(area_code, level or exam_level, purpose)] += count
    return dict(demand)


def register() -> None:
    """Called by ``ExamsConfig.ready``: register the blueprint demand with the question bank."""
    try:
        from question_bank.selectors import register_coverage_demand
    except ImportError:  # pragma: no cover - the bank's selectors are not there yet
        return
    register_coverage_demand(blueprint_demand)


# --- results released (scoring, M): higher apps (certificates) react to a release ---------------

ResultsReleasedHook = Callable[[int], None]
_RESULTS_RELEASED: list[ResultsReleasedHook] = []


def register_results_released(fn: ResultsReleasedHook) -> None:
    """Call ``fn(sitting_id)`` after a sitting's results are released (after the transaction commits)."""
    if fn not in _RESULTS_RELEASED:
        _RESULTS_RELEASED.append(fn)


def unregister_results_released(fn: ResultsReleasedHook) -> None:
    if fn in _RESULTS_RELEASED:
        _RESULTS_RELEASED.remove(fn)


def notify_results_released(sitting_id: int) -> None:
    """Run every registered hook; used by ``exams.services.results.results_release``."""
    for hook in list(_RESULTS_RELEASED):
        hook(sitting_id)
