"""Execute the study's notebooks in run order, in place, so that their outputs are committed."""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

from analysis.paths import NOTEBOOKS


def notebook_paths(folder: Path = NOTEBOOKS) -> list[Path]:
    """Notebooks named ``NN_verb_object.ipynb``, in run order."""
    return sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))


def execute(path: Path, timeout: int = 900) -> None:
    """Run one notebook top to bottom in its folder and write it back with outputs (no timings)."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)


def execute_all(folder: Path = NOTEBOOKS) -> list[Path]:
    done = []
    for path in notebook_paths(folder):
        print(f"executing {path.name}", flush=True)
        execute(path)
        done.append(path)
    return done
