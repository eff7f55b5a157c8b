"""Test-wide settings: one BLAS thread (2-core machine) and a private Prefect home."""

import os
import tempfile

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="reorder-prefect-"))
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
