"""The router's brain as a pure library: keyword rules first, then a TF-IDF model.

Plain text in, a :class:`Prediction` out. No web, database or app imports.
"""

from classifier.errors import ClassifierError, DataError, ModelFormatError
from classifier.keywords import KeywordMatcher, KeywordRule
from classifier.language import LanguageGuess, detect_language
from classifier.linear import LinearTextModel
from classifier.pipeline import Prediction, TenantClassifier
from classifier.replies import CannedAnswer, ReplySuggester, Suggestion
from classifier.store import LiveModel, ModelStore
from classifier.text import normalize
from classifier.training import Evaluation, TrainedModel, train
from classifier.urgency import Urgency, assess_urgency

__all__ = [
    "CannedAnswer",
    "ClassifierError",
    "DataError",
    "Evaluation",
    "KeywordMatcher",
    "KeywordRule",
    "LanguageGuess",
    "LinearTextModel",
    "LiveModel",
    "ModelFormatError",
    "ModelStore",
    "Prediction",
    "ReplySuggester",
    "Suggestion",
    "TenantClassifier",
    "TrainedModel",
    "Urgency",
    "assess_urgency",
    "detect_language",
    "normalize",
    "train",
]
