"""Follow-ups through a real Celery worker on real Redis, and through a broker outage."""

import pytest
from kombu.exceptions import OperationalError

from clinic.celery import app
from clinic.demo.followups import create_due
from clinic.models import OutgoingEmail
from clinic.tasks import send_outbox
from followup.models import FollowUp

from .realservices import broker, celery_worker

S = OutgoingEmail.Status


def test_beat_runs_the_outbox_pass_every_minute():
    entry = app.conf.beat_schedule["send-outbox"]
    assert entry["task"] == "clinic.tasks.send_outbox"
    assert entry["schedule"] == 60.0


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_due_follow_ups(smtp_server):
    create_due(3)
    with celery_worker():
        send_outbox.delay()  # what beat sends every minute
        assert smtp_server.inbox.wait(3), "the worker sent nothing"
    assert FollowUp.objects.filter(step=1, email__status=S.SENT).count() == 3
    assert len(smtp_server.inbox.messages) == 3


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_follow_ups_stay_scheduled_and_go_once_it_is_back(spare_redis, smtp_server):
    create_due(2)
    with broker(spare_redis.url):
        spare_redis.stop()
        with pytest.raises(OperationalError):
            send_outbox.delay()  # beat cannot hand the pass to anyone
        assert set(FollowUp.objects.filter(step=1).values_list("email__status", flat=True)) == {
            S.QUEUED
        }

        spare_redis.start()
        with celery_worker():
            send_outbox.delay()
            assert smtp_server.inbox.wait(2), "nothing sent once Redis was back"
    assert FollowUp.objects.filter(step=1, email__status=S.SENT).count() == 2
    assert len(smtp_server.inbox.messages) == 2
