"""Context builders for the certificates' dashboard panels."""

from django.db.models import Count, Q
from django.http import HttpRequest

from .models import Certificate, CmeCredit


def trainee_panel(request: HttpRequest) -> dict:
    return {"certificates": list(Certificate.objects.filter(holder=request.user).select_related("type")[:5])}


def officer_panel(request: HttpRequest) -> dict:
    counts = Certificate.objects.aggregate(
        valid=Count("id", filter=Q(status=Certificate.Status.VALID)),
        revoked=Count("id", filter=Q(status=Certificate.Status.REVOKED)),
        failed=Count("id", filter=Q(render_status=Certificate.Render.FAILED)),
    )
    counts["cme_pending"] = CmeCredit.objects.filter(verified_at__isnull=True).count()
    return {"counts": counts}
