"""TensorFlow's thread pools in a parallel worker: that worker's share of the cores.

TensorFlow sizes its intra-op and inter-op pools to every core of the machine, so ``n`` workers
fitting networks at once would run ``n`` times too many threads. The engines that start workers
say how many cores each may use in ``OMP_NUM_THREADS``: joblib's default (loky) backend sets it
to ``cpu_count // n_jobs`` unless the parent process set it, a Dask nanny sets it to 1, Ray to
the CPUs of the task. TensorFlow reads none of these, and its pools can be sized only before
its runtime starts, so ``import sk_textcnn`` does it in such a worker.
"""

import multiprocessing
import os
import sys


def worker_thread_count():
    """Threads TensorFlow may run in this process if it is a parallel worker, else None.

    A worker is a process started by :mod:`multiprocessing` (joblib's loky backend, Dask's
    nanny) or by Ray, with ``OMP_NUM_THREADS`` set to a positive int. The main process of a
    program is never a worker: its settings are left as they are.
    """
    in_worker = multiprocessing.parent_process() is not None or "RAY_RAYLET_PID" in os.environ
    value = os.environ.get("OMP_NUM_THREADS", "").strip()
    if not in_worker or not value.isdigit() or int(value) < 1:
        return None
    return int(value)


def limit_worker_threads():
    """In a parallel worker, size TensorFlow's pools to ``OMP_NUM_THREADS`` threads each.

    ``TF_NUM_INTRAOP_THREADS`` and ``TF_NUM_INTEROP_THREADS``, TensorFlow's own settings, win
    where set. Nothing changes when TensorFlow's runtime has already started in this process
    (something used TensorFlow before ``import sk_textcnn``).
    """
    tf = sys.modules.get("tensorflow")
    threads = worker_thread_count()
    if tf is None or threads is None:
        return
    for variable, setter in (
        ("TF_NUM_INTRAOP_THREADS", tf.config.threading.set_intra_op_parallelism_threads),
        ("TF_NUM_INTEROP_THREADS", tf.config.threading.set_inter_op_parallelism_threads),
    ):
        if variable not in os.environ:
            try:
                setter(threads)
            except RuntimeError:  # the runtime has started: its pools are fixed
                return
