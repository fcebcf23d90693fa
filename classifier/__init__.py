"""The router's brain as a pure library: keyword rules first, then a TF-IDF model.

Plain text in, a :class:`Prediction` out. No web, database or app imports.
"""

from classifier.keywords import KeywordMatcher, KeywordRule
from classifier.pipeline import Prediction, TenantClassifier
from classifier.text import normalize

__all__ = ["KeywordMatcher", "KeywordRule", "Prediction", "TenantClassifier", "normalize"]
