"""Register layouts of the sketched oracles (DESIGN.md 1.1, 1.3, 1.4; Lemmas D.19–D.23).

A layout is an ordered list of named registers with their widths in qubits. Widths are exact
integer ceilings of base-2 logarithms (``ceil_log2``), never floating-point ``log2``, so exact
powers of two are counted right at any size.
"""

from __future__ import annotations

import dataclasses

from ._checks import count_arg


def ceil_log2(n: int) -> int:
    """``⌈log2 n⌉`` for a positive integer ``n``: the qubits of a register holding ``n`` basis states
    (every ``⌈log2 ·⌉`` of the Appendix A machine sizes and of the registers of DESIGN.md 1.4).

    Exact integer arithmetic (``(n - 1).bit_length()``): ``ceil_log2(1) == 0``,
    ``ceil_log2(2**k) == k`` and ``ceil_log2(2**k + 1) == k + 1`` for every ``k``.
    """
    n = count_arg(n, "n")
    return (n - 1).bit_length()


@dataclasses.dataclass(frozen=True)
class RegisterLayout:
    """Named registers of one construction and their widths in qubits.

    ``registers`` is an ordered tuple of ``(name, qubits)`` pairs; ``layout[name]`` gives one width,
    ``layout.qubits`` the total and ``layout.as_dict()`` a plain dictionary. A width may be 0 (a
    one-state register, e.g. the row register of a one-row matrix).
    """

    construction: str
    registers: tuple[tuple[str, int], ...]

    @property
    def qubits(self) -> int:
        """Total number of qubits: the sum of the register widths."""
        return sum(width for _, width in self.registers)

    def __getitem__(self, name: str) -> int:
        for reg, width in self.registers:
            if reg == name:
                return width
        raise KeyError(
            f"{self.construction} has no register {name!r}; it has {[r for r, _ in self.registers]}"
        )

    def as_dict(self) -> dict[str, int]:
        """The layout as ``{register name: qubits}`` (in register order)."""
        return dict(self.registers)


def _check_sparsity(sparsity, n_cols: int, cols_name: str = "n_cols") -> int:
    sparsity = count_arg(sparsity, "sparsity")
    if sparsity > n_cols:
        raise ValueError(
            f"sparsity={sparsity} exceeds {cols_name}={n_cols}: a row cannot hold more nonzeros than "
            "there are columns"
        )
    return sparsity


def boolean_oracle_registers(n: int, *, n_bits: int = 1, controlled: bool = False) -> RegisterLayout:
    """Registers of the Boolean phase oracle sketch of ``f: [N] -> {0, 1}^b`` (Algorithm 1, Theorem D.12).

    ``system``: ``⌈log2 N⌉`` qubits (the only memory QOS needs, DESIGN.md 1); ``output``:
    ``⌈log2 b⌉`` qubits indexing the output bit ``j`` of a multi-bit function (phases on
    ``|x>|j>``; 0 for ``b = 1``); ``control``: 1 qubit for the controlled oracle, else 0.
    """
    n = count_arg(n, "n")
    n_bits = count_arg(n_bits, "n_bits")
    if not isinstance(controlled, bool):
        raise TypeError(f"controlled must be a bool, got {type(controlled).__name__} {controlled!r}")
    return RegisterLayout(
        "boolean oracle",
        (("system", ceil_log2(n)), ("output", ceil_log2(n_bits)), ("control", int(controlled))),
    )


def vector_state_registers(n: int) -> RegisterLayout:
    """Registers of the general vector state sketch of ``b ∈ R^N`` (Theorem D.24, DESIGN.md 1.3).

    ``system``: ``⌈log2 N⌉`` qubits; ``lcu``: the one ancilla of the sine LCU (controlled ``V`` and
    ``V†``); ``qsvt``: the QSVT signal ancilla, which also carries the real-part LCU. Total
    ``⌈log2 N⌉ + 2``, the two ancillas that ``qsjax.states`` simulates.
    """
    n = count_arg(n, "n")
    return RegisterLayout("vector state", (("system", ceil_log2(n)), ("lcu", 1), ("qsvt", 1)))


def element_oracle_registers(n_rows: int, n_cols: int) -> RegisterLayout:
    """Registers of the element oracle sketch of a sparse ``n_rows × n_cols`` matrix (DESIGN.md 1.4,
    Lemmas D.19–D.23).

    ``row``: ``⌈log2 n_rows⌉``; ``column``: ``⌈log2 n_cols⌉`` (the phase ``(t/M) arcsin A_ij`` sits on
    ``|i, j>``); ``lcu``: 1 ancilla of the sine LCU that turns the phases into the Hermitian block
    encoding of ``diag(A_ij)``. Total ``⌈log2 n_rows⌉ + ⌈log2 n_cols⌉ + 1``.
    """
    n_rows = count_arg(n_rows, "n_rows")
    n_cols = count_arg(n_cols, "n_cols")
    return RegisterLayout(
        "element oracle", (("row", ceil_log2(n_rows)), ("column", ceil_log2(n_cols)), ("lcu", 1))
    )


def row_index_oracle_registers(n_rows: int, n_cols: int, sparsity: int) -> RegisterLayout:
    """Registers of the row-index oracle sketch ``|i, k> -> |i, j(i, k)>`` from row samples
    (DESIGN.md 1.4, Lemmas D.19–D.23).

    ``row``: ``⌈log2 n_rows⌉``; ``rank``: ``⌈log2 s⌉`` (``k`` in ``1..s``, stored as ``k - 1``);
    ``column``: ``⌈log2 n_cols⌉`` qubits, one per bit ``m`` of the column index ``j(i, k)`` (each a
    phase on ``|i>|k>|1>_m`` turned into an XOR bit by Hadamards). Total
    ``⌈log2 n_rows⌉ + ⌈log2 s⌉ + ⌈log2 n_cols⌉``; ``s <= n_cols`` is the row sparsity.
    """
    n_rows = count_arg(n_rows, "n_rows")
    n_cols = count_arg(n_cols, "n_cols")
    sparsity = _check_sparsity(sparsity, n_cols)
    return RegisterLayout(
        "row-index oracle",
        (("row", ceil_log2(n_rows)), ("rank", ceil_log2(sparsity)), ("column", ceil_log2(n_cols))),
    )


def index_oracle_registers(n_rows: int, n_cols: int, sparsity: int) -> RegisterLayout:
    """Registers of the index oracle sketch from element samples (DESIGN.md 1.4, Lemmas D.19–D.23).

    ``row``: ``⌈log2 n_rows⌉``; ``rank``: ``⌈log2 s⌉`` (the ``k`` in the phase
    ``θ = π(C(i, l) − k + ½)/(2s + 1)``); ``column``: ``⌈log2 n_cols⌉`` (the position ``l`` of the
    cumulative counter, turned into ``j(i, k)`` in place by the binary search over its bits);
    ``lcu``: 1 sine-LCU ancilla; ``qsvt``: 1 ancilla of the sign-polynomial QSVT. Total
    ``⌈log2 n_rows⌉ + ⌈log2 s⌉ + ⌈log2 n_cols⌉ + 2``.
    """
    n_rows = count_arg(n_rows, "n_rows")
    n_cols = count_arg(n_cols, "n_cols")
    sparsity = _check_sparsity(sparsity, n_cols)
    return RegisterLayout(
        "index oracle",
        (
            ("row", ceil_log2(n_rows)),
            ("rank", ceil_log2(sparsity)),
            ("column", ceil_log2(n_cols)),
            ("lcu", 1),
            ("qsvt", 1),
        ),
    )


def sparse_access_registers(dim: int, sparsity: int) -> RegisterLayout:
    """Registers of the sparse-access block encoding of an s-sparse Hermitian ``dim × dim`` matrix
    (one query each to ``O_row``, ``O_col``, ``O_ele``: GSLW Lemma 48; DESIGN.md 1.4).

    ``row`` and ``column``: ``⌈log2 dim⌉`` each; ``rank``: ``⌈log2 s⌉``; ``ancilla``: 3 single-qubit
    ancillas. Total ``2⌈log2 dim⌉ + ⌈log2 s⌉ + 3``: the qubit part of the paper's Appendix A machine
    sizes (LS-SVM: ``dim = N + 2D``, sparsity ``s + 1``; PCA: ``dim = N + D``, sparsity ``s``). The
    split of the formula into these registers is this library's reading; the total is the paper's.
    """
    dim = count_arg(dim, "dim")
    sparsity = _check_sparsity(sparsity, dim, "dim")
    width = ceil_log2(dim)
    return RegisterLayout(
        "sparse access",
        (("row", width), ("column", width), ("rank", ceil_log2(sparsity)), ("ancilla", 3)),
    )
