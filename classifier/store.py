"""A directory of versioned models per tenant: save, list, activate, roll back.

Layout::

    <root>/000001.npz     the model (see classifier.model_file)
    <root>/000001.json    its metadata, readable without loading the model
    <root>/ACTIVE         the version in service (absent: the latest)

Versions only grow; nothing is overwritten. Activating writes ACTIVE atomically, so a
reader sees either the old or the new version, and a failed load leaves the caller on
the model it already serves (see :class:`LiveModel`).
"""

from __future__ import annotations

import json
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from classifier import model_file
from classifier.errors import ModelFormatError
from classifier.linear import LinearTextModel
from classifier.training import TrainedModel

_VERSION_FILE = re.compile(r"^(\d{6})\.npz$")


@dataclass(frozen=True, slots=True)
class ModelVersion:
    version: int
    metadata: dict[str, Any]


def metadata_of(trained: TrainedModel) -> dict[str, Any]:
    return {
        "trained_at": trained.trained_at,
        "n_examples": trained.n_examples,
        "labels": list(trained.labels),
        "label_counts": trained.label_counts,
        "train_seconds": round(trained.train_seconds, 3),
        "params": trained.params,
        "evaluation": trained.evaluation.to_dict() if trained.evaluation else None,
    }


class ModelStore:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def _path(self, version: int, suffix: str) -> Path:
        return self.root / f"{version:06d}{suffix}"

    def versions(self) -> list[int]:
        if not self.root.is_dir():
            return []
        found = (_VERSION_FILE.match(p.name) for p in self.root.iterdir())
        return sorted(int(m.group(1)) for m in found if m)

    def latest(self) -> int | None:
        versions = self.versions()
        return versions[-1] if versions else None

    def active(self) -> int | None:
        """The version in service: ACTIVE if it names an existing version, else latest."""
        try:
            named = int((self.root / "ACTIVE").read_text().strip())
        except (OSError, ValueError):
            return self.latest()
        return named if named in self.versions() else self.latest()

    def save(self, trained: TrainedModel, *, activate: bool = True) -> int:
        """Store a new version (one more than the latest); activate it unless told not to."""
        self.root.mkdir(parents=True, exist_ok=True)
        version = (self.latest() or 0) + 1
        metadata = {"version": version, **metadata_of(trained)}
        # Metadata first: a version counts once its .npz exists, and that comes last.
        self._path(version, ".json").write_text(json.dumps(metadata, indent=2, sort_keys=True))
        model_file.save(trained.model, self._path(version, ".npz"), extra=metadata)
        if activate:
            self.activate(version)
        return version

    def activate(self, version: int) -> None:
        if version not in self.versions():
            raise KeyError(f"no model version {version} in {self.root}")
        model_file.load(self._path(version, ".npz"))  # refuse to activate a broken file
        tmp = self.root / "ACTIVE.tmp"
        tmp.write_text(f"{version}\n")
        os.replace(tmp, self.root / "ACTIVE")

    def rollback(self) -> int:
        """Activate the newest version older than the active one; return it."""
        current = self.active()
        older = [v for v in self.versions() if current is not None and v < current]
        if not older:
            raise KeyError("no earlier model version to roll back to")
        self.activate(older[-1])
        return older[-1]

    def metadata(self, version: int) -> dict[str, Any]:
        try:
            data = json.loads(self._path(version, ".json").read_text())
        except (OSError, ValueError) as e:
            raise KeyError(f"no readable metadata for version {version}: {e}") from e
        return data if isinstance(data, dict) else {}

    def history(self) -> list[ModelVersion]:
        return [ModelVersion(v, self.metadata(v)) for v in self.versions()]

    def load(self, version: int | None = None) -> LinearTextModel:
        """The given version, or the active one. ModelFormatError if missing or unsound."""
        version = self.active() if version is None else version
        if version is None:
            raise ModelFormatError(f"no model stored in {self.root}")
        model, _ = model_file.load(self._path(version, ".npz"))
        return model


class LiveModel:
    """The model a tenant is served with, swapped in place without a restart.

    ``refresh`` loads the store's active version when it changed; if that file is
    corrupt or incompatible, the current model stays and the error is returned.
    Implements the ``TextModel`` protocol, so a TenantClassifier can hold it directly.
    """

    def __init__(self, store: ModelStore) -> None:
        self.store = store
        self.model: LinearTextModel | None = None
        self.version: int | None = None
        self._lock = threading.Lock()

    def refresh(self) -> ModelFormatError | None:
        wanted = self.store.active()
        if wanted is None or wanted == self.version:
            return None
        try:
            model = self.store.load(wanted)
        except ModelFormatError as e:
            return e
        with self._lock:
            self.model, self.version = model, wanted
        return None

    def predict_one(self, text: str) -> tuple[str, float]:
        model = self.model
        if model is None:
            return "", 0.0
        return model.predict_one(text)
