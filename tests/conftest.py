"""Shared test set-up: hypothesis profiles.

Profiles: "default" and "ci" (about 50 examples, no deadline) for `make test`; "fuzz" (10,000 examples)
for `make test-fuzz`. The one named by the HYPOTHESIS_PROFILE environment variable is loaded.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_common = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("default", max_examples=50, **_common)
settings.register_profile("ci", max_examples=50, **_common)
settings.register_profile("fuzz", max_examples=10_000, derandomize=True, **_common)  # repeatable in CI
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
