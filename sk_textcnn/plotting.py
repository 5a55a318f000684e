"""Pictures of a fitted text classifier, in the style of scikit-learn's ``*Display`` classes.

- :class:`HistoryDisplay`: training and validation curves per epoch, the kept epoch marked;
- :class:`LabelF1Display`: each label's F1 beside its support, where rare labels fail;
- :class:`ThresholdDisplay`: each label's F1 against the decision threshold, the model's marked.

Each has ``from_estimator`` (a fitted classifier, or a pipeline ending in one) and, where that
makes sense, ``from_predictions``; ``plot(ax=...)`` draws and leaves the figure on ``figure_``.
matplotlib, the optional extra ``sk-textcnn[plot]``, is imported only when drawing.
"""

from numbers import Real

import numpy as np
import scipy.sparse as sp
from sklearn.metrics import precision_recall_fscore_support
from sklearn.pipeline import Pipeline
from sklearn.utils.multiclass import type_of_target, unique_labels
from sklearn.utils.validation import check_is_fitted

from sk_textcnn._multilabel import fitted_on_label_lists, is_label_lists, label_list_indicators
from sk_textcnn._threshold_tuning import f1_at

__all__ = ["HistoryDisplay", "LabelF1Display", "ThresholdDisplay"]

# ThresholdDisplay draws at most this many labels (the most frequent) unless told otherwise:
# beyond ten, curves cannot be told apart.
_MAX_THRESHOLD_LABELS = 10
_THRESHOLD_GRID = np.linspace(0, 1, 101)


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(
            "sk_textcnn.plotting needs matplotlib: pip install 'sk-textcnn[plot]'."
        ) from error
    return plt


def _new_axes(ax):
    if ax is None:
        _, ax = _pyplot().subplots()
    return ax


def _final_step(estimator):
    """The classifier at the end of a pipeline, or the estimator itself."""
    return estimator[-1] if isinstance(estimator, Pipeline) else estimator


def _estimator_name(estimator):
    return type(_final_step(estimator)).__name__


def _trained_with_history(estimator):
    """The first fitted sub-estimator with a ``history_``, searching pipelines and ensembles."""
    estimator = _final_step(estimator)
    if hasattr(estimator, "history_"):
        return estimator
    inner = [getattr(estimator, "estimator_", None), *getattr(estimator, "estimators_", ())]
    for candidate in inner:
        if candidate is not None and (found := _trained_with_history(candidate)) is not None:
            return found
    return None


def _model_thresholds(estimator, n_labels):
    """The thresholds ``predict`` applies, one per label, or None if it has none to show."""
    estimator = _final_step(estimator)
    if hasattr(estimator, "_applied_thresholds"):  # a TextCNNClassifier: threshold may be newer
        return np.broadcast_to(estimator._applied_thresholds(), (n_labels,)).astype(float)
    for attribute in ("thresholds_", "threshold_"):
        if hasattr(estimator, attribute):
            return np.broadcast_to(
                np.asarray(getattr(estimator, attribute), dtype=float), (n_labels,)
            ).copy()
    threshold = getattr(estimator, "threshold", None)
    if isinstance(threshold, Real) and not isinstance(threshold, bool):
        return np.full(n_labels, float(threshold))
    return None


def _label_list_targets(estimator, y, y_pred=None):
    """``(y, y_pred, label names)`` with label lists (given as ``y``, or predicted by a model
    fitted on them) as indicator matrices over the model's ``classes_``; as given otherwise,
    with no names."""
    final = _final_step(estimator)
    if not (fitted_on_label_lists(final) or is_label_lists(y)):
        return y, y_pred, None
    y, y_pred = label_list_indicators(final, y, y_pred)
    return y, y_pred, np.asarray(final.classes_) if fitted_on_label_lists(final) else None


def _indicator(y):
    return y.toarray() if sp.issparse(y) else np.asarray(y)


class HistoryDisplay:
    """Training loss, and validation loss and F1 where recorded, per epoch; the kept epoch marked.

    Create it with :meth:`from_estimator`; the constructor takes the numbers directly.

    Parameters
    ----------
    history : dict of list of float
        Per-epoch values, as ``TextCNNClassifier.history_``: ``"loss"``, and optionally
        ``"val_loss"``, ``"val_micro_f1"``, ``"val_macro_f1"`` and the loss of the network
        refitted on all documents, ``"refit_loss"``.
    kept_epoch : int or None, default=None
        The epoch (from 1) whose weights the model kept, marked by a vertical line; None marks
        none.
    estimator_name : str or None, default=None
        Title of the plot.

    Attributes
    ----------
    lines_ : dict of str to matplotlib Line2D
        The curve of each ``history`` entry.
    kept_line_ : matplotlib Line2D or None
        The mark of the kept epoch.
    ax_ : matplotlib Axes
        Axes with the losses.
    ax_f1_ : matplotlib Axes or None
        Twin axes with the validation F1 scores, when there are any.
    figure_ : matplotlib Figure
        Figure holding the axes.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sk_textcnn import SequenceVectorizer, TextCNNClassifier
    >>> from sk_textcnn.plotting import HistoryDisplay
    >>> texts = ["good movie", "great film", "awful movie", "bad film"] * 8
    >>> labels = ["pos", "pos", "neg", "neg"] * 8
    >>> pipeline = make_pipeline(
    ...     SequenceVectorizer(),
    ...     TextCNNClassifier(
    ...         num_filters=8, embedding_dim=8, epochs=3, random_state=0,
    ...         early_stopping=False, linear_term=False,  # no validation split
    ...     ),
    ... ).fit(texts, labels)
    >>> display = HistoryDisplay.from_estimator(pipeline)
    >>> sorted(display.lines_), display.kept_epoch
    (['loss'], 3)
    """

    def __init__(self, history, *, kept_epoch=None, estimator_name=None):
        self.history = history
        self.kept_epoch = kept_epoch
        self.estimator_name = estimator_name

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, name=None):
        """Plot the training history of a fitted classifier.

        Parameters
        ----------
        estimator : estimator object
            A fitted :class:`~sk_textcnn.TextCNNClassifier`, a pipeline ending in one, or an
            ensemble holding one (the first found is drawn).
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        name : str, default=None
            Title; the classifier's class name when None.

        Returns
        -------
        display : HistoryDisplay
        """
        check_is_fitted(estimator)
        trained = _trained_with_history(estimator)
        if trained is None:
            raise TypeError(
                f"HistoryDisplay needs a fitted TextCNNClassifier or a pipeline ending in one; "
                f"{type(_final_step(estimator)).__name__} keeps no history_."
            )
        kept = getattr(trained, "best_epoch_", len(trained.history_["loss"]))
        display = cls(
            {key: list(values) for key, values in trained.history_.items()},
            kept_epoch=kept,
            estimator_name=name or type(trained).__name__,
        )
        return display.plot(ax=ax)

    def plot(self, ax=None, *, name=None):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        name : str, default=None
            Title; ``estimator_name`` when None.

        Returns
        -------
        display : HistoryDisplay
            Itself, with the drawn objects as attributes.
        """
        ax = _new_axes(ax)
        self.lines_ = {}
        for key in ("loss", "val_loss", "refit_loss"):
            if key in self.history:
                values = self.history[key]
                (self.lines_[key],) = ax.plot(
                    np.arange(1, len(values) + 1), values, marker="o", label=key
                )
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        handles = list(self.lines_.values())
        self.ax_f1_ = None
        f1_keys = [key for key in ("val_micro_f1", "val_macro_f1") if key in self.history]
        if f1_keys:
            self.ax_f1_ = ax.twinx()
            self.ax_f1_.set_ylabel("validation F1")
            self.ax_f1_.set_ylim(0, 1.05)
            for key, style in zip(f1_keys, ("s--", "^--"), strict=False):
                values = self.history[key]
                (self.lines_[key],) = self.ax_f1_.plot(
                    np.arange(1, len(values) + 1),
                    values,
                    style,
                    color=f"C{len(handles)}",
                    label=key,
                )
                handles.append(self.lines_[key])
        self.kept_line_ = None
        if self.kept_epoch is not None:
            self.kept_line_ = ax.axvline(
                self.kept_epoch, color="grey", linestyle=":", label=f"kept: epoch {self.kept_epoch}"
            )
            handles.append(self.kept_line_)
        ax.legend(handles=handles, loc="best")
        ax.set_title(name or self.estimator_name or "")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self


class LabelF1Display:
    """Each label's F1 as a bar, beside its support, labels ordered from most to least frequent.

    Rare labels are where a text classifier fails; this shows where that begins. A dashed line
    marks the macro-F1 over the labels with support.

    Parameters
    ----------
    f1 : array-like of shape (n_labels,)
        F1 of each label.
    support : array-like of shape (n_labels,)
        Number of true documents of each label.
    label_names : array-like of shape (n_labels,)
        Names, shown under the bars.
    estimator_name : str or None, default=None
        Title of the plot.

    Attributes
    ----------
    bars_ : matplotlib BarContainer
        One bar per label, from most to least frequent.
    support_line_ : matplotlib Line2D
        The support of each label, on a log scale (labels without support left out).
    macro_line_ : matplotlib Line2D
        The macro-F1 over the labels with support.
    ax_ : matplotlib Axes
        Axes with the bars.
    ax_support_ : matplotlib Axes
        Twin axes with the support.
    figure_ : matplotlib Figure
        Figure holding the axes.

    Examples
    --------
    >>> from sk_textcnn.plotting import LabelF1Display
    >>> display = LabelF1Display.from_predictions(
    ...     ["a", "a", "a", "b", "c"], ["a", "a", "b", "b", "a"]
    ... )
    >>> [round(float(bar.get_height()), 3) for bar in display.bars_]
    [0.667, 0.667, 0.0]
    >>> [tick.get_text() for tick in display.ax_.get_xticklabels()]
    ['a', 'b', 'c']
    """

    def __init__(self, f1, support, label_names, *, estimator_name=None):
        self.f1 = f1
        self.support = support
        self.label_names = label_names
        self.estimator_name = estimator_name

    @classmethod
    def from_estimator(cls, estimator, X, y, *, label_names=None, ax=None, name=None):
        """Plot per-label F1 of a fitted classifier's predictions of ``X`` against ``y``.

        Parameters
        ----------
        estimator : estimator object
            A fitted classifier or a pipeline ending in one.
        X : array-like or list of str
            Input to ``estimator.predict``, e.g. raw documents for a text pipeline.
        y : array-like of shape (n_samples,) or (n_samples, n_labels), or list of label lists
            True labels, a multi-label indicator matrix, or one list of labels per sample;
            for a model fitted on label lists, its predictions and (by default) the label
            names are its ``classes_``.
        label_names : array-like, default=None
            See :meth:`from_predictions`.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        name : str, default=None
            Title; the classifier's class name when None.

        Returns
        -------
        display : LabelF1Display
        """
        check_is_fitted(estimator)
        y, y_pred, names = _label_list_targets(estimator, y, estimator.predict(X))
        return cls.from_predictions(
            y,
            y_pred,
            label_names=names if label_names is None else label_names,
            ax=ax,
            name=name or _estimator_name(estimator),
        )

    @classmethod
    def from_predictions(cls, y_true, y_pred, *, label_names=None, ax=None, name=None):
        """Plot per-label F1 of predictions.

        Parameters
        ----------
        y_true, y_pred : array-like of shape (n_samples,) or (n_samples, n_labels)
            True and predicted labels, or multi-label indicator matrices (dense or sparse).
        label_names : array-like, default=None
            Indicator matrices: the name of each column (its index when None). Labels: the
            labels to show, in order (all labels seen when None).
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        name : str, default=None
            Title.

        Returns
        -------
        display : LabelF1Display
        """
        if type_of_target(y_true, input_name="y_true") == "multilabel-indicator":
            y_true, y_pred = _indicator(y_true), _indicator(y_pred)
            if label_names is None:
                label_names = [str(j) for j in range(y_true.shape[1])]
            labels = None
        else:
            labels = unique_labels(y_true, y_pred) if label_names is None else label_names
            label_names = [str(label) for label in labels]
        _, _, f1, support = precision_recall_fscore_support(
            y_true, y_pred, labels=labels, zero_division=0
        )
        if len(label_names) != len(f1):
            raise ValueError(f"label_names has {len(label_names)} names for {len(f1)} labels.")
        return cls(f1, support, label_names, estimator_name=name).plot(ax=ax)

    def plot(self, ax=None, *, name=None):
        """Draw the bars and the support.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        name : str, default=None
            Title; ``estimator_name`` when None.

        Returns
        -------
        display : LabelF1Display
            Itself, with the drawn objects as attributes.
        """
        ax = _new_axes(ax)
        f1, support = np.asarray(self.f1, dtype=float), np.asarray(self.support)
        order = np.argsort(-support, kind="stable")
        positions = np.arange(len(order))
        self.bars_ = ax.bar(positions, f1[order], color="C0", label="F1")
        ax.set_xticks(positions, [str(self.label_names[j]) for j in order], rotation=90)
        if len(order) > 30:
            ax.tick_params(axis="x", labelsize=6)
        ax.set_xlim(-0.6, len(order) - 0.4)
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("F1")
        ax.set_xlabel("label (most to least frequent)")
        macro = f1[support > 0].mean() if (support > 0).any() else 0.0
        self.macro_line_ = ax.axhline(
            macro, color="grey", linestyle="--", label=f"macro-F1 {macro:.3f}"
        )
        self.ax_support_ = ax.twinx()
        shown = np.where(support[order] > 0, support[order], np.nan)
        (self.support_line_,) = self.ax_support_.plot(
            positions, shown, "o", color="C1", markersize=3, label="support"
        )
        self.ax_support_.set_yscale("log")
        self.ax_support_.set_ylabel("support (true documents)")
        ax.legend(handles=[self.bars_, self.macro_line_, self.support_line_], loc="upper right")
        ax.set_title(name or self.estimator_name or "")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self


class ThresholdDisplay:
    """Each label's F1 against the decision threshold, with the model's threshold marked.

    For binary and multi-label classifiers. Shows whether a label's threshold sits near its
    best F1 on this data, and how flat or sharp that optimum is.

    Parameters
    ----------
    thresholds : array-like of shape (n_thresholds,)
        Thresholds the curves are evaluated at.
    f1 : array-like of shape (n_labels, n_thresholds)
        F1 of each label at each threshold.
    label_names : array-like of shape (n_labels,)
        Names, for the legend.
    model_thresholds : array-like of shape (n_labels,) or None, default=None
        The model's threshold of each label, marked on its curve.
    model_f1 : array-like of shape (n_labels,) or None, default=None
        F1 of each label at its model threshold.
    estimator_name : str or None, default=None
        Title of the plot.

    Attributes
    ----------
    lines_ : list of matplotlib Line2D
        One curve per label.
    marks_ : list of matplotlib Line2D
        One marker per label at the model's threshold (empty without ``model_thresholds``).
    ax_ : matplotlib Axes
        Axes with the curves.
    figure_ : matplotlib Figure
        Figure holding the axes.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_textcnn.plotting import ThresholdDisplay
    >>> y_true = np.array([[1, 0], [1, 1], [0, 1], [0, 0]])
    >>> y_score = np.array([[0.9, 0.2], [0.6, 0.7], [0.3, 0.4], [0.1, 0.6]])
    >>> display = ThresholdDisplay.from_predictions(
    ...     y_true, y_score, thresholds=[0.5, 0.5], label_names=["sports", "politics"]
    ... )
    >>> len(display.lines_), display.model_f1.round(3).tolist()
    (2, [1.0, 0.5])
    """

    def __init__(
        self,
        thresholds,
        f1,
        label_names,
        *,
        model_thresholds=None,
        model_f1=None,
        estimator_name=None,
    ):
        self.thresholds = thresholds
        self.f1 = f1
        self.label_names = label_names
        self.model_thresholds = model_thresholds
        self.model_f1 = model_f1
        self.estimator_name = estimator_name

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        label_names=None,
        max_labels=_MAX_THRESHOLD_LABELS,
        ax=None,
        name=None,
    ):
        """Plot F1 against the threshold for a fitted binary or multi-label classifier.

        Parameters
        ----------
        estimator : estimator object
            A fitted classifier with ``predict_proba``, or a pipeline ending in one. Its
            thresholds are read from ``thresholds_``, ``threshold_`` or a float ``threshold``.
        X : array-like or list of str
            Input to ``estimator.predict_proba``.
        y : array-like of shape (n_samples,) or (n_samples, n_labels), or list of label lists
            Binary labels, a multi-label indicator matrix, or one list of labels per sample
            (the label names then default to a label-list model's ``classes_``).
        label_names, max_labels, ax, name
            See :meth:`from_predictions`.

        Returns
        -------
        display : ThresholdDisplay
        """
        check_is_fitted(estimator)
        y, _, names = _label_list_targets(estimator, y)
        target_type = type_of_target(y, input_name="y")
        proba = estimator.predict_proba(X)
        name = name or _estimator_name(estimator)
        if target_type == "multilabel-indicator":
            thresholds = _model_thresholds(estimator, proba.shape[1])
            return cls.from_predictions(
                y,
                proba,
                thresholds=thresholds,
                label_names=names if label_names is None else label_names,
                max_labels=max_labels,
                ax=ax,
                name=name,
            )
        classes = estimator.classes_
        if target_type != "binary" or len(classes) != 2:
            raise ValueError(
                f"ThresholdDisplay is for binary and multi-label classifiers; got a "
                f"{target_type} target with classes {list(classes)!r}."
            )
        return cls.from_predictions(
            np.asarray(y) == classes[1],
            proba[:, 1],
            thresholds=_model_thresholds(estimator, 1),
            label_names=[str(classes[1])] if label_names is None else label_names,
            ax=ax,
            name=name,
        )

    @classmethod
    def from_predictions(
        cls,
        y_true,
        y_score,
        *,
        thresholds=None,
        label_names=None,
        max_labels=_MAX_THRESHOLD_LABELS,
        ax=None,
        name=None,
    ):
        """Plot F1 against the threshold from true labels and probabilities.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,) or (n_samples, n_labels)
            0/1 (or boolean) truth of one label, or a multi-label indicator matrix.
        y_score : array-like of shape (n_samples,) or (n_samples, n_labels)
            Probability of each label.
        thresholds : float or array-like of shape (n_labels,), default=None
            The model's threshold of each label, marked on the curves; None marks nothing.
        label_names : array-like of shape (n_labels,), default=None
            Name of each column (its index when None).
        max_labels : int or None, default=10
            Draw only this many labels, those with the most positives in ``y_true``; None
            draws all.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        name : str, default=None
            Title.

        Returns
        -------
        display : ThresholdDisplay
        """
        truth = _indicator(y_true).astype(bool)
        scores = np.asarray(y_score, dtype=float)
        if truth.ndim == 1:
            truth, scores = truth[:, None], scores.reshape(-1, 1)
        if truth.shape != scores.shape:
            raise ValueError(
                f"y_true and y_score must have the same shape; got {truth.shape} and "
                f"{scores.shape}."
            )
        n_labels = truth.shape[1]
        names = [str(j) for j in range(n_labels)] if label_names is None else list(label_names)
        if len(names) != n_labels:
            raise ValueError(f"label_names has {len(names)} names for {n_labels} labels.")
        shown = np.argsort(-truth.sum(axis=0), kind="stable")[:max_labels]
        unweighted = np.ones(len(scores))
        curves = np.array(
            [f1_at(_THRESHOLD_GRID, scores[:, j], truth[:, j], unweighted) for j in shown]
        )
        model_thresholds = model_f1 = None
        if thresholds is not None:
            model_thresholds = np.broadcast_to(np.asarray(thresholds, float), (n_labels,))[shown]
            model_f1 = np.array(
                [
                    f1_at(np.array([t]), scores[:, j], truth[:, j], unweighted)[0]
                    for j, t in zip(shown, model_thresholds, strict=True)
                ]
            )
        return cls(
            _THRESHOLD_GRID,
            curves,
            [names[j] for j in shown],
            model_thresholds=model_thresholds,
            model_f1=model_f1,
            estimator_name=name,
        ).plot(ax=ax)

    def plot(self, ax=None, *, name=None):
        """Draw the curves and marks.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        name : str, default=None
            Title; ``estimator_name`` when None.

        Returns
        -------
        display : ThresholdDisplay
            Itself, with the drawn objects as attributes.
        """
        ax = _new_axes(ax)
        self.lines_, self.marks_ = [], []
        for j, (curve, label) in enumerate(zip(self.f1, self.label_names, strict=True)):
            (line,) = ax.plot(self.thresholds, curve, color=f"C{j % 10}", label=str(label))
            self.lines_.append(line)
            if self.model_thresholds is not None:
                (mark,) = ax.plot(
                    [self.model_thresholds[j]],
                    [self.model_f1[j]],
                    "o",
                    color=line.get_color(),
                    markeredgecolor="black",
                )
                self.marks_.append(mark)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.05)
        ax.set_xlabel("threshold")
        ax.set_ylabel("F1")
        handles = list(self.lines_)
        if self.marks_:
            # One legend entry stands for every mark.
            (legend_mark,) = ax.plot(
                [], [], "o", color="white", markeredgecolor="black", label="model's threshold"
            )
            handles.append(legend_mark)
        ax.legend(handles=handles, loc="lower center", ncol=2, fontsize="small")
        ax.set_title(name or self.estimator_name or "")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self
