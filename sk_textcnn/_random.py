"""The package's one source of random generators: never NumPy's global one."""

from numbers import Integral

import numpy as np


def check_random_state(random_state, *stream):
    """A RandomState for ``random_state``.

    None gives a fresh, unseeded generator and a RandomState is used as it is. An int seeds a
    new generator; integers in ``stream`` (such as the number of epochs already trained) are
    mixed into that seed, so that each step of a process gets its own reproducible stream.
    """
    if random_state is None:
        return np.random.RandomState()
    if isinstance(random_state, np.random.RandomState):
        return random_state
    if isinstance(random_state, Integral) and not isinstance(random_state, bool):
        seed = [int(random_state), *map(int, stream)] if stream else int(random_state)
        return np.random.RandomState(seed)
    raise ValueError(
        f"random_state must be an int, a numpy RandomState or None; got {random_state!r}."
    )
