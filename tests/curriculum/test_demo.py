"""The curriculum demo step: trainee eligible for the qualifying exam, trainee2 short of TACE."""

import pytest

from accounts.demo import load_accounts
from accounts.models import User
from curriculum.demo import load_curriculum_demo
from curriculum.models import LogbookEntry
from curriculum.selectors import eligibility_for

pytestmark = pytest.mark.django_db


def test_the_demo_makes_trainee_eligible_and_trainee2_short_of_tace_and_is_idempotent():
    load_accounts(lambda message: None)
    load_curriculum_demo(lambda message: None)
    count = LogbookEntry.objects.count()
    load_curriculum_demo(lambda message: None)
    assert LogbookEntry.objects.count() == count

    trainee = User.objects.get(username="trainee")
    assert eligibility_for(trainee=trainee, level="Q").eligible
    assert LogbookEntry.objects.filter(trainee=trainee, status="pending").exists()

    short = eligibility_for(trainee=User.objects.get(username="trainee2"), level="Q")
    assert [(s.code, s.missing) for s in short.unmet] == [("Q-TACE", 6)]
