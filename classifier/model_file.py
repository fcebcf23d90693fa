"""Safe model files: numpy arrays plus a JSON header, never a pickle.

A file is an ``.npz`` archive (loaded with ``allow_pickle=False``, so it can hold no
code) with:

* ``header``: UTF-8 JSON — format name and version, labels, feature settings,
  temperature, evaluation figures, and the SHA-256 of every other member (feature
  setting ``stem``, whether words and pairs are stemmed, since version 3);
* ``vocabulary``: UTF-8 feature names joined by newlines (features never hold one);
* ``coef``, ``intercept``, ``idf``, ``block_sizes``, ``mix``, ``mix_bias``: the numbers
  (``mix``/``mix_bias``: the labels × labels layer over the scores, since version 2);
* ``mlp_w1``, ``mlp_b1``, ``mlp_w2``, ``mlp_b2`` (since version 4, only in models that
  have one): the ensemble network, with its temperature and weight in the header's
  ``mlp`` entry (null without a network).

Reading checks the format, the version, every checksum and every shape, and raises
:class:`ModelFormatError` on any mismatch, so a caller keeps the model it has.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from classifier.errors import ModelFormatError
from classifier.features import FeatureConfig, Vectorizer
from classifier.linear import LinearTextModel
from classifier.mlp import MlpHead

FORMAT = "teranga-linear-text-model"
# 2: adds the mixing layer (mix, mix_bias). Version 1 files (no layer) are still read, as
# the identity layer: an upgrade must not silently drop every tenant back to keywords.
# 3: word and pair features over stems (header features.stem). The arrays are those of
# version 2, but code that reads version 2 would look the stems up as whole words and
# quietly score wrong: the version number makes it refuse the file instead. Versions 1
# and 2 are read with stem=False, as they were trained.
# 4: the ensemble network (header "mlp", arrays mlp_*). Code that reads version 3 would
# drop the network and score with the SVM alone, at the ensemble's temperatures: the
# version number makes it refuse the file instead.
FORMAT_VERSION = 4
READABLE_VERSIONS = (1, 2, 3, 4)
_ARRAYS_V1 = ("vocabulary", "coef", "intercept", "idf", "block_sizes")
_ARRAYS = (*_ARRAYS_V1, "mix", "mix_bias")
_MLP_ARRAYS = ("mlp_w1", "mlp_b1", "mlp_w2", "mlp_b2")


def _digest(array: npt.NDArray[Any]) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def to_bytes(model: LinearTextModel, extra: dict[str, Any] | None = None) -> bytes:
    """Serialise a model; ``extra`` (evaluation figures, provenance) goes in the header."""
    vectorizer = model.vectorizer
    arrays: dict[str, npt.NDArray[Any]] = {
        "vocabulary": np.frombuffer(
            "\n".join(vectorizer.vocabulary_list()).encode("utf-8"), dtype=np.uint8
        ),
        "coef": model.coef,
        "intercept": model.intercept,
        "idf": vectorizer.idf,
        "block_sizes": np.asarray(vectorizer.block_sizes(), dtype=np.int64),
        "mix": model.mix,
        "mix_bias": model.mix_bias,
    }
    mlp = model.mlp
    if mlp is not None:
        arrays.update(mlp_w1=mlp.w1, mlp_b1=mlp.b1, mlp_w2=mlp.w2, mlp_b2=mlp.b2)
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "labels": list(model.labels),
        "temperature": model.temperature,
        "mlp": None if mlp is None else {"temperature": mlp.temperature, "weight": mlp.weight},
        "features": vectorizer.config.to_dict(),
        "sha256": {name: _digest(a) for name, a in arrays.items()},
        "extra": extra or {},
    }
    members = {
        "header": np.frombuffer(json.dumps(header, sort_keys=True).encode("utf-8"), np.uint8),
        **arrays,
    }
    buffer = io.BytesIO()
    # The same layout as numpy.savez_compressed, written member by member with pickling off.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, array in members.items():
            with archive.open(f"{name}.npy", "w") as member:
                np.lib.format.write_array(member, np.asarray(array), allow_pickle=False)
    return buffer.getvalue()


def read_header(data: bytes) -> dict[str, Any]:
    """The JSON header of a model file, checked for format and version only."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            header = json.loads(bytes(archive["header"]).decode("utf-8"))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, UnicodeDecodeError, EOFError) as e:
        raise ModelFormatError(f"not a readable model file: {e}") from e
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ModelFormatError(f"not a {FORMAT} file")
    if header.get("format_version") not in READABLE_VERSIONS:
        raise ModelFormatError(
            f"model format version {header.get('format_version')!r} is not supported "
            f"(this code reads versions {', '.join(map(str, READABLE_VERSIONS))}); "
            "retrain the model"
        )
    return header


def from_bytes(data: bytes) -> tuple[LinearTextModel, dict[str, Any]]:
    """Rebuild a model and return it with its header; raise ModelFormatError if unsound."""
    header = read_header(data)
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            names = _ARRAYS if header["format_version"] >= 2 else _ARRAYS_V1
            network = header.get("mlp") if header["format_version"] >= 4 else None
            if network is not None:
                names = (*names, *_MLP_ARRAYS)
            arrays = {name: archive[name] for name in names}
        for name, array in arrays.items():
            if _digest(array) != header["sha256"][name]:
                raise ModelFormatError(f"checksum mismatch in {name!r}: the file is corrupt")
        features = bytes(arrays["vocabulary"]).decode("utf-8").split("\n")
        config = FeatureConfig.from_dict(header["features"])
        vectorizer = Vectorizer.from_parts(
            config, features, [int(n) for n in arrays["block_sizes"]], arrays["idf"]
        )
        model = LinearTextModel(
            vectorizer,
            [str(label) for label in header["labels"]],
            arrays["coef"],
            arrays["intercept"],
            float(header["temperature"]),
            arrays.get("mix"),
            arrays.get("mix_bias"),
            None
            if network is None
            else MlpHead(
                arrays["mlp_w1"],
                arrays["mlp_b1"],
                arrays["mlp_w2"],
                arrays["mlp_b2"],
                float(network["temperature"]),
                float(network["weight"]),
            ),
        )
    except ModelFormatError:
        raise
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile, UnicodeDecodeError) as e:
        raise ModelFormatError(f"model file is inconsistent: {e}") from e
    return model, header


def save(
    model: LinearTextModel, path: str | os.PathLike[str], extra: dict[str, Any] | None = None
) -> None:
    """Write atomically: a crash mid-write never leaves a half file under ``path``."""
    target = Path(path)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_bytes(to_bytes(model, extra))
    os.replace(tmp, target)


def load(path: str | os.PathLike[str]) -> tuple[LinearTextModel, dict[str, Any]]:
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise ModelFormatError(f"cannot read model file {path}: {e}") from e
    return from_bytes(data)
