"""Every private scikit-learn name the package uses, imported in this one place.

scikit-learn may move or change these between minor releases; pyproject.toml bounds the versions
and CI runs a core subset of the tests against the lowest one declared, so a break shows here.
"""

from sklearn.base import _fit_context
from sklearn.utils._indexing import _safe_indexing
from sklearn.utils._param_validation import HasMethods, Interval, RealNotInt, StrOptions
from sklearn.utils.metadata_routing import _routing_enabled
from sklearn.utils.metaestimators import _BaseComposition
from sklearn.utils.validation import _check_method_params, _check_sample_weight, _num_samples

__all__ = [
    "HasMethods",
    "Interval",
    "RealNotInt",
    "StrOptions",
    "_BaseComposition",
    "_check_method_params",
    "_check_sample_weight",
    "_fit_context",
    "_num_samples",
    "_routing_enabled",
    "_safe_indexing",
]
