"""Settings for bench/submissions.py: the platform's own, plus the bare baseline view.

The baseline is served by the same Django project, process and middleware as the
real endpoint, so the ratio measures what the submission itself costs.
"""

import os

from cxplatform.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

# The bare view's per-run secret (bench/submissions.py makes one); empty: it refuses all.
BENCH_BARE_TOKEN = os.environ.get("BENCH_BARE_TOKEN", "")
