"""The flows package pins OpenMP/BLAS to one thread before scikit-learn can load."""

from __future__ import annotations

import os
import subprocess
import sys


def _probe(env: dict[str, str]) -> list[str]:
    code = (
        "import os, sys, flows.cli; "
        "print(os.environ['OMP_NUM_THREADS'], os.environ['OPENBLAS_NUM_THREADS'], "
        "'sklearn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_importing_flows_sets_one_openmp_thread_before_sklearn_loads():
    env = {
        k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")
    }
    assert _probe(env) == ["1", "1", "False"]


def test_a_thread_count_set_by_the_user_is_kept():
    env = {**os.environ, "OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "3"}
    assert _probe(env)[:2] == ["2", "3"]
