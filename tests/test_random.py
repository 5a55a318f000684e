"""The package's one random-state helper."""

import numpy as np
import pytest

from sk_textcnn._random import check_random_state


def test_ints_seed_reproducibly_and_streams_differ():
    assert check_random_state(3).rand() == np.random.RandomState(3).rand()
    assert check_random_state(3, 1).rand() == check_random_state(3, 1).rand()
    assert check_random_state(3, 1).rand() != check_random_state(3, 2).rand()


def test_instances_pass_through_and_none_leaves_the_global_generator_alone():
    rng = np.random.RandomState(0)
    assert check_random_state(rng) is rng
    before = np.random.get_state()[1].copy()
    check_random_state(None).rand()
    np.testing.assert_array_equal(np.random.get_state()[1], before)


def test_other_values_are_refused_by_name():
    with pytest.raises(ValueError, match="random_state must be an int"):
        check_random_state(np.random.default_rng(0))
