"""The tour notebook: committed with current outputs, and it runs end to end.

``test_tour_is_committed_with_outputs`` reads the committed ``notebooks/tour.ipynb`` as JSON (no
Jupyter needed): every code cell must carry outputs from one top-to-bottom run and none an error.
``test_tour_executes`` runs a temporary copy with nbclient in a fresh kernel started from *this*
interpreter (``sys.executable``, through a kernel spec written for the test, so a ``python3`` kernel
spec elsewhere on the machine cannot substitute another Python); any cell error or a cell running past
``CELL_TIMEOUT`` fails it. It needs only ``pip install -e ".[dev]"`` (nbclient, nbformat, ipykernel)
and is skipped, with the reason, when nbclient is not installed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "tour.ipynb"
CELL_TIMEOUT = 300  # seconds per cell (the whole tour takes well under a minute on 2 CPU cores)
KERNEL_NAME = "qsjax-tour-test"

_PROBE = "import json, sys\nimport qsjax\nprint(json.dumps([sys.executable, qsjax.__file__]))"


def _code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def test_tour_is_committed_with_outputs():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    cells = _code_cells(nb)
    assert cells, "the tour has no code cells"
    for i, cell in enumerate(cells, start=1):
        head = "".join(cell["source"]).splitlines()[0]
        assert cell["outputs"], (
            f"code cell {i} ({head!r}) has no stored outputs: execute the notebook in place before "
            "committing it (e.g. `jupyter execute --inplace notebooks/tour.ipynb`)"
        )
        errors = [o for o in cell["outputs"] if o.get("output_type") == "error"]
        assert not errors, f"code cell {i} ({head!r}) was committed with an error: {errors[0].get('ename')}"
    counts = [c.get("execution_count") for c in cells]
    assert counts == list(range(1, len(cells) + 1)), (
        f"execution counts {counts} are not one top-to-bottom run (1..{len(cells)}): re-execute the "
        "whole notebook in place"
    )


def test_tour_uses_public_names_only():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    private = re.compile(r"\bqsjax(\.\w+)*\._(?!_)\w|\bfrom\s+qsjax\S*\s+import\s+\(?\s*_(?!_)")
    for cell in _code_cells(nb):
        src = "".join(cell["source"])
        assert not private.search(src), f"the tour must use public qsjax names only:\n{src}"


def _kernel_manager(kernel_root: Path):
    """A KernelManager whose only kernel spec launches ipykernel with ``sys.executable``."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    spec_dir = kernel_root / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"Python ({sys.executable})",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    ksm = KernelSpecManager(kernel_dirs=[str(kernel_root)], ensure_native_kernel=False)
    return KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=ksm)


def test_tour_executes(tmp_path, monkeypatch):
    try:
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError, CellTimeoutError
    except ImportError as exc:  # only this skips: everything else must be installed by ".[dev]"
        pytest.skip(f"nbclient is not installed ({exc}); pip install -e '.[dev]' to run the tour")
    import nbformat

    work = tmp_path / "notebooks"
    work.mkdir()
    copy = work / NOTEBOOK.name
    shutil.copyfile(NOTEBOOK, copy)  # the committed file is never touched
    nb = nbformat.read(copy, as_version=4)
    n_cells = len(nb.cells)
    nb.cells.append(nbformat.v4.new_code_cell(_PROBE))  # which Python and which qsjax ran the tour

    # A hermetic kernel: its own runtime and IPython dirs (no user startup files), the inline
    # matplotlib backend whatever MPLBACKEND the caller has, and no GPU memory grab on a GPU machine.
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    monkeypatch.setenv("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    monkeypatch.setenv(
        "PYTHONPATH",
        os.pathsep.join(
            [str(NOTEBOOK.parents[1])] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
        ),
    )

    client = NotebookClient(
        nb,
        km=_kernel_manager(tmp_path / "kernels"),
        kernel_name=KERNEL_NAME,
        timeout=CELL_TIMEOUT,
        allow_errors=False,
        record_timing=False,
        resources={"metadata": {"path": str(work)}},
    )
    try:
        client.execute()
    except CellTimeoutError as exc:
        pytest.fail(f"a cell of {NOTEBOOK.name} ran past {CELL_TIMEOUT} s:\n{exc}")
    except CellExecutionError as exc:
        pytest.fail(f"{NOTEBOOK.name} raised while executing:\n{exc}")

    executable, qsjax_file = json.loads(nb.cells[-1].outputs[0]["text"])
    assert os.path.realpath(executable) == os.path.realpath(sys.executable), (
        f"the kernel ran {executable}, not the test's interpreter {sys.executable}"
    )
    import qsjax

    assert os.path.realpath(qsjax_file) == os.path.realpath(qsjax.__file__), (
        f"the kernel imported qsjax from {qsjax_file}, the tests from {qsjax.__file__}"
    )
    for i, cell in enumerate(nb.cells[:n_cells]):
        if cell.cell_type == "code" and cell.source.strip():
            assert cell.outputs, f"cell {i} produced no output when executed"
