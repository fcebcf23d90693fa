"""Errors the classifier raises on purpose, so callers can tell them from bugs."""

from __future__ import annotations


class ClassifierError(Exception):
    """Base class of every deliberate classifier error."""


class DataError(ClassifierError, ValueError):
    """Training or evaluation data is unusable (missing column, too few labels...)."""


class ModelFormatError(ClassifierError):
    """A stored model is corrupt, truncated or from an incompatible format version.

    The caller should keep serving with the model it already has.
    """
