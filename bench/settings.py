"""Settings for bench/submissions.py: the platform's own, plus the bare baseline view.

The baseline is served by the same Django project, process and middleware as the
real endpoint, so the ratio measures what the submission itself costs.
"""

from cxplatform.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
