"""``import sk_textcnn`` prints nothing, whatever TF_CPP_MIN_LOG_LEVEL says."""

import os
import subprocess
import sys
import textwrap

import pytest

# The subprocesses import the sk_textcnn under test, wherever pytest was started.
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(code, env_changes, cwd=None):
    """Run ``code`` in a fresh interpreter with ``env_changes`` (None unsets a variable)."""
    env = dict(os.environ)
    for name, value in env_changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [ROOT, env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-W", "always", "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


@pytest.mark.parametrize("level", [None, "0", "3"])
def test_import_is_silent_on_both_streams(level):
    result = _run("import sk_textcnn", {"TF_CPP_MIN_LOG_LEVEL": level})
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr == ""


@pytest.mark.parametrize("level", [None, "0"])
def test_user_log_level_is_kept_and_a_default_is_set_otherwise(level):
    code = "import os, sk_textcnn; print(os.environ['TF_CPP_MIN_LOG_LEVEL'])"
    result = _run(code, {"TF_CPP_MIN_LOG_LEVEL": level})
    assert result.returncode == 0, result.stderr
    assert result.stdout == ("2\n" if level is None else f"{level}\n")


def test_import_with_jax_backend_is_silent():
    pytest.importorskip("jax")
    result = _run("import sk_textcnn", {"KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": None})
    assert result.returncode == 0, result.stderr
    assert (result.stdout, result.stderr) == ("", "")


def test_failed_import_shows_what_tensorflow_printed(tmp_path):
    # A stand-in TensorFlow, found first from the working directory, that writes to file
    # descriptor 2 and then fails to import.
    (tmp_path / "tensorflow.py").write_text(
        "import os\nos.write(2, b'libfake.so: cannot open shared object\\n')\n"
        "raise ImportError('broken tensorflow')\n"
    )
    result = _run("import sk_textcnn", {}, cwd=tmp_path)
    assert result.returncode == 1
    assert "libfake.so: cannot open shared object" in result.stderr
    assert "ImportError: broken tensorflow" in result.stderr


def test_nothing_is_done_when_tensorflow_is_already_imported():
    # The module is loaded from its file: importing the package would import Keras as well.
    path = os.path.join(ROOT, "sk_textcnn", "_quiet_import.py")
    code = textwrap.dedent(
        f"""
        import importlib.util, os, sys, types
        sys.modules["tensorflow"] = types.ModuleType("tensorflow")
        spec = importlib.util.spec_from_file_location("quiet", {path!r})
        quiet = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(quiet)
        quiet.import_tensorflow_quietly()
        print(os.environ.get("TF_CPP_MIN_LOG_LEVEL"))
        """
    )
    result = _run(code, {"TF_CPP_MIN_LOG_LEVEL": None})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "None\n"
