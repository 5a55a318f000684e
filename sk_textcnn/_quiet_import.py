"""Import TensorFlow without its start-up notices on stderr."""

import os
import sys
import tempfile


def import_tensorflow_quietly():
    """Import TensorFlow and initialise its devices with the process's stderr muted.

    TensorFlow's C++ start-up notices ("oneDNN custom operations are on", "Could not find cuda
    drivers") reach file descriptor 2 whatever its log-level settings say: TensorFlow 2.21 prints
    them even with ``TF_CPP_MIN_LOG_LEVEL=3``. So file descriptor 2 is redirected to a temporary
    file during the import, whatever that variable says, and what was captured is written back to
    stderr only if the import fails, where it may explain why. ``TF_CPP_MIN_LOG_LEVEL`` is set to
    ``"2"`` (TensorFlow's later info and warning logs hidden) only when the user has not set it.
    Nothing is done when TensorFlow is already imported.
    """
    if "tensorflow" in sys.modules:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.stderr.flush()
    saved = os.dup(2)
    failed = False
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow as tf

            tf.config.list_physical_devices()
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
