"""Numpy arrays kept on disk between processes (var/cache/): fitted weights and document embeddings.

Written atomically (a reader never sees half a file) and read without pickles; a missing or damaged file
reads as None, so the caller fits or encodes again rather than trust it.
"""

import os
import tempfile
from pathlib import Path

import numpy as np


def read(path: Path, names: tuple[str, ...]) -> dict[str, np.ndarray] | None:
    try:
        with np.load(path, allow_pickle=False) as z:
            return {name: z[name] for name in names}
    except (OSError, ValueError, KeyError, EOFError):
        return None


def write(path: Path, **arrays: np.ndarray) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as fh:
            np.savez(fh, **arrays)
        os.chmod(fh.name, 0o644)  # why: the API and the action server may run as different users
        os.replace(fh.name, path)
    except OSError:
        pass  # why: a read-only checkout still works, it just fits or encodes at every start
