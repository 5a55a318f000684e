"""Import TensorFlow, and start its XLA compiler, without their start-up notices on stderr."""

import os
import sys
import tempfile
from contextlib import contextmanager
from functools import cache


@contextmanager
def muted_stderr():
    """Redirect file descriptor 2 to a temporary file inside the block.

    TensorFlow's C++ notices reach file descriptor 2 directly, whatever its log-level settings
    say, so only the descriptor itself can be muted. What was captured is written back to stderr
    if the block fails, where it may explain why.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    failed = False
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        except BaseException:
            failed = True
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            if failed:
                captured.seek(0)
                sys.stderr.write(captured.read().decode("utf-8", errors="replace"))
                sys.stderr.flush()


def import_tensorflow_quietly():
    """Import TensorFlow and initialise its devices with the process's stderr muted.

    TensorFlow 2.21 prints its start-up notices ("oneDNN custom operations are on", "Could not
    find cuda drivers") even with ``TF_CPP_MIN_LOG_LEVEL=3``, so stderr is muted during the
    import whatever that variable says. ``TF_CPP_MIN_LOG_LEVEL`` is set to ``"2"`` (TensorFlow's
    later info and warning logs hidden) only when the user has not set it. Nothing is done when
    TensorFlow is already imported.
    """
    if "tensorflow" in sys.modules:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with muted_stderr():
        import tensorflow as tf

        tf.config.list_physical_devices()


@cache
def start_xla_quietly():
    """Compile one tiny XLA function, once per process, with stderr muted.

    XLA logs its service start and its first compilation ("Compiled cluster using XLA! This line
    is logged at most once for the lifetime of the process") at info level, which a user's
    ``TF_CPP_MIN_LOG_LEVEL=0`` lets through in the middle of a fit; each is printed only once, so
    spending them here keeps training silent.
    """
    import keras
    import tensorflow as tf

    with muted_stderr():
        # An optimizer update, as the training step compiles: a plainer function leaves MLIR's
        # once-only notice ("disabling MLIR crash reproducer") for the first fit.
        weight = keras.Variable([0.0])
        optimizer = keras.optimizers.Adam()
        optimizer.build([weight])
        tf.function(lambda g: optimizer.apply([g], [weight]), jit_compile=True)(tf.constant([1.0]))
