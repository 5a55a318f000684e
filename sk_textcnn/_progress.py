"""What meta-estimators print while they fit: one line per fit as it starts, with the time left.

Apart from the epoch loop, which reports epochs; the meta-estimators report whole fits.
"""

import time


class FitProgress:
    """One line per fit of a meta-estimator, as it starts: which fit, and the time left.

    The time left is the mean duration of the fits done so far times the fits left,
    counting the one starting.
    """

    def __init__(self, owner, total, verbose):
        self.owner, self.total, self.verbose = type(owner).__name__, total, verbose
        self.started, self.start = 0, time.perf_counter()

    def starting(self, what):
        """Say that fit ``what`` starts (when ``verbose``)."""
        if self.verbose:
            left = ""
            if self.started:
                per_fit = (time.perf_counter() - self.start) / self.started
                left = f", about {_duration(per_fit * (self.total - self.started))} left"
            print(
                f"[{self.owner}] {self.started + 1}/{self.total} fitting {what}{left}", flush=True
            )
        self.started += 1


def announced(jobs, names, progress):
    """Yield joblib's ``jobs``, saying each one's start as joblib takes it.

    With one job at a time joblib takes each just before running it; with more it takes a few
    ahead, so the lines then say which fits are under way.
    """
    for job, name in zip(jobs, names, strict=True):
        progress.starting(name)
        yield job


def _duration(seconds):
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"
