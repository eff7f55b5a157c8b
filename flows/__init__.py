"""flows package: the Prefect flows, their tasks and the `reorder` command line.

Importing it sets OMP_NUM_THREADS=1 (unless set): the tasks run OpenMP single-threaded and
get their parallelism from chunks and the global model's bag threads. It must be in the
environment before scikit-learn loads its OpenMP runtime (a limit set later with threadpoolctl
is not enough): measured on 2 cores, two processes fitting the global model at the same time
took 14 to 330 s each instead of 5 s (libgomp spinning), and a nightly run of 300 items
took 209 s instead of 35 s next to another one.
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
