"""Same key, same result, whatever the device count: a fresh process with two (forced) CPU devices
evaluates the random sketch modes on one device, sharded with ``jit(in_shardings=...)`` over both,
and under ``pmap``, and requires bit-identical results.

(The device count is fixed when XLA starts, hence the subprocess: ``XLA_FLAGS`` is set before jax is
imported there; this process is not affected.)
"""

import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(r"""
    import jax
    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_disable_most_optimizations", True)  # as in conftest.py: compile time
    import numpy as np
    from jax.sharding import Mesh, NamedSharding, PartitionSpec as P
    import qsjax

    assert jax.device_count() == 2, jax.devices()
    mesh = Mesh(np.array(jax.devices()), ("d",))
    split, whole = NamedSharding(mesh, P("d")), NamedSharding(mesh, P())

    rng = np.random.default_rng(0)
    f = rng.integers(0, 2, 64).astype(float)
    p = rng.dirichlet(np.ones(64))
    data = qsjax.BooleanData(f, p)
    o = qsjax.boolean_oracle(data)
    nv = qsjax.naive_boolean_oracle(qsjax.BooleanData(f))
    keys = jax.random.split(jax.random.key(5), 4)
    M_COUNTS, M_SAMPLED = 10**9, 5000

    # (the integer counts behind these realisations come from qsjax.random.multinomial_counts and the
    # two-word stream counter, both exercised here; the naive sketch adds the second, u stream)
    draws = {
        "counts": lambda k: o.counts(k, M_COUNTS),
        "sampled": lambda k: o.sampled(k, M_SAMPLED, chunk_size=1024),
        "naive sampled": lambda k: nv.sampled(k, M_SAMPLED, chunk_size=1024),
    }
    checked = []
    for name, draw in draws.items():
        # each key on its own, eagerly, on the first and on the second device: bit-identical
        eager = np.stack([np.asarray(draw(k)) for k in keys])
        other = np.stack([np.asarray(draw(jax.device_put(k, jax.devices()[1]))) for k in keys[:2]])
        np.testing.assert_array_equal(other, eager[:2], err_msg=name + " on device 1")
        # the batched program on one device is the reference for the multi-device runs of it
        ref = np.asarray(jax.jit(jax.vmap(draw))(jax.device_put(keys, jax.devices()[0])))
        # (vmap may vectorise exp() differently from the unbatched program: 1-ulp differences in
        # the complex entries; the counts themselves are exact integers, identical)
        if np.iscomplexobj(ref):
            np.testing.assert_allclose(ref, eager, rtol=0, atol=4e-16, err_msg=name + " vmap")
        else:
            np.testing.assert_array_equal(ref, eager, err_msg=name + " vmap")
        # a batch of keys split over both devices
        sharded = jax.jit(jax.vmap(draw), in_shardings=split, out_shardings=split)(keys)
        assert len(sharded.sharding.device_set) == 2, name
        np.testing.assert_array_equal(np.asarray(sharded), ref, err_msg=name + " sharded")
        # pmap: two keys per device
        pm = jax.pmap(jax.vmap(draw))(keys.reshape(2, 2))
        np.testing.assert_array_equal(np.asarray(pm).reshape(ref.shape), ref, err_msg=name + " pmap")
        checked.append(name)

    # the data itself sharded over the devices (the cells of the register split in halves)
    table = jax.device_put(jax.numpy.asarray(f), split)
    probs = jax.device_put(jax.numpy.asarray(p), split)

    def counts_of(table, probs, key):
        sketch = qsjax.boolean_oracle(qsjax.BooleanData(table, probs, binary=False), t=1 / p.max())
        return sketch.counts(key, M_COUNTS)

    for name, fn in (("counts", counts_of),):
        ref = jax.jit(fn)(*(jax.device_put(a, jax.devices()[0]) for a in (jax.numpy.asarray(f),
                                                                          jax.numpy.asarray(p), keys[0])))
        out = jax.jit(fn, in_shardings=(split, split, whole), out_shardings=split)(table, probs, keys[0])
        assert len(out.sharding.device_set) == 2
        np.testing.assert_array_equal(np.asarray(out), np.asarray(ref), err_msg=name + " data sharded")
        checked.append(name + " (data sharded)")
    print("OK", ", ".join(checked))
""")


def test_same_key_same_result_on_two_devices():
    env = dict(os.environ)
    env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=2").strip()
    env["JAX_PLATFORMS"] = "cpu"
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=600, env=env)
    assert out.returncode == 0 and out.stdout.startswith("OK"), (out.stdout[-2000:], out.stderr[-4000:])
