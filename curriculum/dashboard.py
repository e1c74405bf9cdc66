"""Context builders for the curriculum's dashboard panels."""

from django.http import HttpRequest

from .models import Level, LogbookEntry
from .selectors import eligibility_for, pending_for_instructor


def trainee_panel(request: HttpRequest) -> dict:
    user = request.user
    return {
        "eligibility": eligibility_for(trainee=user, level=Level.QUALIFYING),
        "pending": LogbookEntry.objects.filter(trainee=user, status=LogbookEntry.Status.PENDING).count(),
    }


def instructor_panel(request: HttpRequest) -> dict:
    return {"pending": pending_for_instructor(request.user).count()}
