"""Follow-ups through a real Celery worker on real Redis, and through a broker outage."""

import pytest
from kombu.exceptions import OperationalError

from clinic.celery import app
from followup.demo import create_due
from followup.models import FollowUp
from followup.tasks import dispatch_followups

from .realservices import broker, celery_worker

S = FollowUp.Status


def test_beat_runs_the_dispatch_every_minute():
    entry = app.conf.beat_schedule["dispatch-followups"]
    assert entry["task"] == "followup.tasks.dispatch_followups"
    assert entry["schedule"] == 60.0


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_due_follow_ups(smtp_server):
    create_due(3)
    with celery_worker():
        dispatch_followups.delay()  # what beat sends every minute
        assert smtp_server.inbox.wait(3), "the worker sent nothing"
    assert FollowUp.objects.filter(step=1, status=S.SENT).count() == 3
    assert len(smtp_server.inbox.messages) == 3


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_follow_ups_stay_scheduled_and_go_once_it_is_back(spare_redis, smtp_server):
    create_due(2)
    with broker(spare_redis.url):
        spare_redis.stop()
        with pytest.raises(OperationalError):
            dispatch_followups.delay()  # beat cannot hand the pass to anyone
        assert set(FollowUp.objects.filter(step=1).values_list("status", flat=True)) == {
            S.SCHEDULED
        }

        spare_redis.start()
        with celery_worker():
            dispatch_followups.delay()
            assert smtp_server.inbox.wait(2), "nothing sent once Redis was back"
    assert FollowUp.objects.filter(step=1, status=S.SENT).count() == 2
    assert len(smtp_server.inbox.messages) == 2
