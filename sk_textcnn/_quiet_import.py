"""Import TensorFlow without its start-up notices on stderr."""

import os
import sys


def import_tensorflow_quietly():
    """Import TensorFlow and initialise its devices with the process's stderr muted.

    The TensorFlow wheel logs CUDA probing ("Could not find cuda drivers", "failed call to
    cuInit") from C++ before its log-level settings apply, so only muting file descriptor 2
    keeps ``import sk_textcnn`` quiet. Nothing is muted when TensorFlow is already imported or
    when the user set ``TF_CPP_MIN_LOG_LEVEL`` (they then chose which logs they want).
    """
    if "tensorflow" in sys.modules or "TF_CPP_MIN_LOG_LEVEL" in os.environ:
        return
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        import tensorflow as tf

        tf.config.list_physical_devices()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
