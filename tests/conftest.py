"""Shared test set-up: hypothesis profiles and the torch thread count.

Profiles: ``ci`` (default, fast) and ``thorough`` (many more examples), chosen by
the environment variable ``INFGRAD_HYPOTHESIS_PROFILE``:

    INFGRAD_HYPOTHESIS_PROFILE=thorough python -m pytest
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
settings.register_profile(
    "thorough", max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("INFGRAD_HYPOTHESIS_PROFILE", "ci"))
