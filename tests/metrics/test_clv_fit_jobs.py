"""Recalculating customer value on demand: the job a page and the API follow, its honest
steps, one at a time per business, failures said plainly, and who may start it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from metrics import clv
from metrics.clv_fit import clv_fit_run
from metrics.clv_jobs import (
    QUEUED_ABANDONED_AFTER,
    RUNNING_MARGIN,
    clv_fit_job_run,
    clv_fit_job_start,
)
from metrics.models import ClvFit, ClvFitJob, ClvFitStage, ClvStatus
from tests.metrics.test_purchase_rollups import simulate

pytestmark = pytest.mark.django_db

PAGE = "/dashboard/customer-value/"
START = "/dashboard/customer-value/recalculate/"
API = "/api/v1/clv-fit-jobs/"
STEPS = ["reading", "bgnbd", "gamma_gamma", "storing"]


def api_detail(job) -> str:
    return f"{API}{job.uuid}/"


def test_a_fit_reports_each_step_as_it_starts(business_a):
    simulate(business_a)
    seen: list[str] = []
    fit = clv_fit_run(business=business_a, progress=seen.append)
    assert fit.status == ClvStatus.OK
    assert seen == STEPS


def test_a_fit_with_too_few_customers_skips_the_fitting_steps(business_a):
    seen: list[str] = []
    fit = clv_fit_run(business=business_a, progress=seen.append)
    assert fit.status == ClvStatus.TOO_FEW
    assert seen == ["reading", "storing"]


def test_progress_goes_by_finished_steps(business_a):
    job = ClvFitJob.objects.create(business=business_a)
    assert (job.steps_done, job.progress_percent) == (0, 0)
    job.status, job.stage = "running", ClvFitStage.GAMMA_GAMMA
    assert (job.steps_done, job.steps, job.progress_percent) == (2, 4, 50)
    assert "Gamma-Gamma" in job.stage_label
    job.status = "done"
    assert (job.steps_done, job.progress_percent) == (4, 100)


def test_starting_in_the_browser_runs_it_and_shows_the_result(
    alice, business_a, client_of, django_capture_on_commit_callbacks
):
    simulate(business_a)
    client = client_of(alice)
    with django_capture_on_commit_callbacks(execute=True):
        reply = client.post(START)
    assert (reply.status_code, reply.url) == (302, PAGE)
    job = ClvFitJob.objects.get(business=business_a)
    fit = ClvFit.objects.get(business=business_a)
    assert (job.status, job.stage, job.fit, job.requested_by) == ("done", "storing", fit, alice)
    assert job.started_at <= job.finished_at
    html = client.get(PAGE).content.decode()
    assert 'id="clv-fit-status">Done<' in html
    assert 'value="100"' in html and "4 of 4 steps" in html
    assert f"every one of {fit.customers_n} customers has a predicted value" in html
    assert "You can leave this page" not in html  # nothing left to wait for
    assert 'action="/dashboard/customer-value/recalculate/"' in html  # it can be run again


def test_a_second_click_while_one_is_queued_shows_that_one(alice, mia, business_a, client_of):
    # Without capturing the commit callbacks the task is never sent: the job stays queued.
    client_of(alice).post(START)
    reply = client_of(mia).post(START, follow=True)
    assert ClvFitJob.objects.filter(business=business_a).count() == 1
    html = reply.content.decode()
    assert 'id="clv-fit-status">Queued<' in html
    assert "You can leave this page and come back; the work goes on." in html
    assert "js/progress.js" in html
    assert 'action="/dashboard/customer-value/recalculate/"' not in html


def test_the_page_shows_a_running_job_where_it_is(alice, business_a, client_of):
    job = ClvFitJob.objects.create(
        business=business_a, status="running", stage="gamma_gamma", started_at=timezone.now()
    )
    html = client_of(alice).get(PAGE).content.decode()
    assert f'data-progress-url="{api_detail(job)}"' in html
    assert 'value="50"' in html and "2 of 4 steps" in html
    assert "Fitting Gamma-Gamma" in html
    assert 'id="clv-fit-status">Running<' in html


def test_the_database_allows_one_active_job_per_business(business_a, business_b):
    ClvFitJob.objects.create(business=business_a)
    ClvFitJob.objects.create(business=business_b)  # another business: its own
    ClvFitJob.objects.create(business=business_a, status="done")
    with pytest.raises(IntegrityError), transaction.atomic():
        ClvFitJob.objects.create(business=business_a, status="running")


def test_a_failed_fit_says_so_and_can_be_started_again(
    alice, business_a, client_of, django_capture_on_commit_callbacks, monkeypatch
):
    simulate(business_a)

    def broken(*args, **kwargs):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(clv, "gamma_gamma_fit", broken)
    client = client_of(alice)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(START).status_code == 302  # not a 500, even with eager tasks
    job = ClvFitJob.objects.get(business=business_a)
    assert (job.status, job.stage, job.fit) == ("failed", "gamma_gamma", None)
    assert job.finished_at is not None
    html = client.get(PAGE).content.decode()
    assert 'id="clv-fit-status">Failed<' in html
    assert "The calculation stopped unexpectedly. Start it again." in html
    assert 'action="/dashboard/customer-value/recalculate/"' in html
    assert not ClvFit.objects.filter(business=business_a).exists()


def test_a_job_abandoned_long_ago_does_not_block_the_next(alice, business_a, settings):
    limit = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT) + RUNNING_MARGIN
    stuck = ClvFitJob.objects.create(
        business=business_a, status="running", stage="bgnbd",
        started_at=timezone.now() - limit - timedelta(minutes=1),
    )  # fmt: skip
    job = clv_fit_job_start(business=business_a, user=alice)
    stuck.refresh_from_db()
    assert job.pk != stuck.pk and job.status == "queued"
    assert stuck.status == "failed" and "stopped without finishing" in stuck.failure


def test_a_lost_job_shows_as_failed_on_the_page_so_the_button_comes_back(
    alice, business_a, client_of
):
    ClvFitJob.objects.create(
        business=business_a, created_at=timezone.now() - QUEUED_ABANDONED_AFTER - timedelta(1)
    )
    html = client_of(alice).get(PAGE).content.decode()
    assert 'id="clv-fit-status">Failed<' in html
    assert 'action="/dashboard/customer-value/recalculate/"' in html


def test_a_job_queued_long_but_started_recently_is_not_given_up(alice, business_a, settings):
    """Waiting behind the nightly fits is not being lost: the clock of a running job
    starts when it starts."""
    waited = ClvFitJob.objects.create(
        business=business_a, status="running", stage="reading", started_at=timezone.now(),
        created_at=timezone.now() - QUEUED_ABANDONED_AFTER - timedelta(minutes=5),
    )  # fmt: skip
    assert clv_fit_job_start(business=business_a, user=alice) == waited


def test_a_job_given_up_meanwhile_stays_failed_when_its_fit_ends(business_a, monkeypatch):
    job = ClvFitJob.objects.create(business=business_a)

    def given_up_while_fitting(*, business, progress):
        ClvFitJob.objects.filter(pk=job.pk).update(status="failed", failure="given up")
        return None

    monkeypatch.setattr("metrics.clv_jobs.clv_fit_run", given_up_while_fitting)
    clv_fit_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.failure) == ("failed", "given up")


def test_a_recent_running_job_is_returned_not_doubled(alice, business_a):
    running = ClvFitJob.objects.create(business=business_a, status="running", stage="reading")
    assert clv_fit_job_start(business=business_a, user=alice) == running


def test_staff_may_not_start_or_watch_it(bob, business_a, client_of):
    client = client_of(bob)
    assert client.get(PAGE).status_code == 403
    assert client.post(START).status_code == 403
    assert client.post(API).status_code == 403
    job = ClvFitJob.objects.create(business=business_a)
    assert client.get(api_detail(job)).status_code == 403
    assert ClvFitJob.objects.filter(business=business_a).count() == 1


def test_an_outsider_sees_nothing_of_another_business(alice, charlie, business_a, business_b,
                                                      client_of):  # fmt: skip
    theirs = ClvFitJob.objects.create(business=business_a, status="running", stage="bgnbd")
    client = client_of(charlie)
    assert client.get(api_detail(theirs)).status_code == 404
    assert client.get(API).json()["results"] == []
    html = client.get(PAGE).content.decode()
    assert str(theirs.uuid) not in html and 'id="clv-fit-status"' not in html
    client.post(START)  # starts charlie's own, never touches alice's
    assert ClvFitJob.objects.filter(business=business_b).count() == 1
    theirs.refresh_from_db()
    assert theirs.status == "running"


class TestApi:
    def test_post_starts_one_and_get_follows_it(
        self, alice, business_a, client_of, django_capture_on_commit_callbacks
    ):
        client = client_of(alice)
        first = client.post(API)
        again = client.post(API)
        assert (first.status_code, again.status_code) == (202, 202)
        assert first.json()["uuid"] == again.json()["uuid"]
        assert first.json()["status"] == "queued" and first.json()["progress_percent"] == 0
        job = ClvFitJob.objects.get(business=business_a)
        ClvFitJob.objects.filter(pk=job.pk).update(status="running", stage="bgnbd")
        body = client.get(api_detail(job)).json()
        assert (body["status"], body["stage"], body["steps_done"], body["steps"]) == (
            "running", "bgnbd", 1, 4,
        )  # fmt: skip
        assert body["progress_percent"] == 25 and "BG/NBD" in body["stage_label"]
        assert body["requested_by"] == alice.email and body["fit_status"] is None

    def test_a_finished_job_names_how_the_fit_came_out(
        self, alice, business_a, client_of, django_capture_on_commit_callbacks
    ):
        client = client_of(alice)
        with django_capture_on_commit_callbacks(execute=True):
            reply = client.post(API)
        body = client.get(f"{API}{reply.json()['uuid']}/").json()
        assert (body["status"], body["progress_percent"]) == ("done", 100)
        assert body["fit_status"] == "too_few" and body["fit_message"] == "No purchases yet."

    def test_it_is_in_the_schema(self, alice, client_of):
        schema = client_of(alice).get(reverse("schema"), {"format": "json"}).json()
        assert {"get", "post"} <= set(schema["paths"]["/api/v1/clv-fit-jobs/"])
        assert "get" in schema["paths"]["/api/v1/clv-fit-jobs/{uuid}/"]
        fields = schema["components"]["schemas"]["ClvFitJob"]["properties"]
        assert {"status", "progress_percent", "steps_done", "stage_label"} <= set(fields)


def panel_for(user, business) -> str:
    """The include as the dashboard would render it for `user`."""
    request = RequestFactory().get("/dashboard/")
    request.user = user
    request.membership = Membership.objects.get(user=user, business=business)
    request.business = business
    return render_to_string("metrics/_clv_fit.html", {"request": request})


def test_the_dashboard_panel_is_for_owners_and_managers_only(alice, mia, bob, business_a):
    ClvFitJob.objects.create(business=business_a, status="running", stage="reading")
    assert 'id="clv-fit-status">Running<' in panel_for(mia, business_a)
    assert 'id="clv-fit-status">Running<' in panel_for(alice, business_a)
    assert panel_for(bob, business_a).strip() == ""
