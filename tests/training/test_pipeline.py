"""cnnlib.training.pipeline: the validation split, the tf.data stream, augmentation.

Everything random is stateless (keyed by seed, epoch and batch), so a run repeats
exactly and a resumed run sees the batches an uninterrupted one would.
"""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib import training
from cnnlib.core.tf import tf


@pytest.fixture(scope="module")
def tiny(tiny_mnist):
    return tiny_mnist(30, 10)  # 300 training digits, 30 of each class


def _stream(tiny, n=120, **kw):
    ds = training.make_training_dataset(tiny.x_train[:n], tiny.y_train[:n], 50, **kw)
    return [(a.numpy(), b.numpy()) for a, b in ds]


def test_validation_digits_are_fixed_by_the_seed_and_stratified(tiny):
    y = tiny.y_train
    a = training.validation_indices(y, 0.1, seed=0)
    assert np.array_equal(a, training.validation_indices(y, 0.1, seed=0))
    assert not np.array_equal(a, training.validation_indices(y, 0.1, seed=1))
    assert len(a) == 30 and np.all(np.diff(a) > 0)
    for digit in range(10):  # every class gives its share
        assert np.sum(y[a] == digit) == 3
    x_fit, y_fit, x_val, y_val = training.split_validation(tiny.x_train, y, 0.1, seed=0)
    assert len(x_fit) + len(x_val) == 300 and len(y_val) == len(a)
    np.testing.assert_array_equal(x_val, tiny.x_train[a])
    np.testing.assert_array_equal(y_val, y[a])
    assert len(set(map(bytes, x_fit)) & set(map(bytes, x_val))) == 0  # disjoint
    empty = training.split_validation(tiny.x_train, y, 0.0, seed=0)
    assert len(empty[0]) == 300 and len(empty[2]) == 0


def test_a_split_that_holds_out_none_or_all_is_refused(tiny):
    with pytest.raises(ValueError, match="holds out none"):
        training.split_validation(tiny.x_train[:10], tiny.y_train[:10], 0.01, seed=0)
    with pytest.raises(ValueError, match="validation_split"):
        training.split_validation(tiny.x_train, tiny.y_train, 1.0, seed=0)


def test_training_stream_visits_every_digit_once_per_epoch_in_a_new_order(tiny):
    batches = _stream(tiny, seed=3, epochs=2)
    assert [len(b[0]) for b in batches] == [50, 50, 20, 50, 50, 20]
    assert batches[0][0].shape[1:] == (28, 28, 1) and batches[0][0].max() > 1  # 0..255
    x = tiny.x_train[:120].reshape(120, -1)
    index = {bytes(row.astype(np.float32)): i for i, row in enumerate(x)}
    assert len(index) == 120  # the digits are all different
    order = [
        [index[bytes(d.reshape(-1))] for a, _ in batches[k : k + 3] for d in a]
        for k in (0, 3)
    ]
    for epoch in order:  # each epoch: every digit exactly once, labels kept with digits
        assert sorted(epoch) == list(range(120))
    assert order[0] != order[1]  # a new order each epoch
    labels = np.concatenate([b for _, b in batches[:3]])
    np.testing.assert_array_equal(labels, tiny.y_train[:120][order[0]])
    np.testing.assert_array_equal(order[0], training.epoch_order(120, 3, 0).numpy())


def test_training_stream_repeats_with_the_seed_and_resumes_mid_way(tiny):
    full = _stream(tiny, seed=5, epochs=3, augment=True, one_hot=True)
    again = _stream(tiny, seed=5, epochs=3, augment=True, one_hot=True)
    for (a, b), (c, d) in zip(full, again):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)
    # a resumed run (first_epoch=2) gets exactly the batches an uninterrupted one gets
    tail = _stream(tiny, seed=5, first_epoch=2, epochs=3, augment=True, one_hot=True)
    assert len(tail) == 3
    for (a, b), (c, d) in zip(full[6:], tail):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)
    other = _stream(tiny, seed=6, epochs=1)
    assert not np.array_equal(other[0][1], _stream(tiny, seed=5, epochs=1)[0][1])
    with pytest.raises(ValueError, match="0 <= first_epoch < epochs, got 3 and 3"):
        _stream(tiny, first_epoch=3, epochs=3)


def test_improved_recipe_stream_stacks_augmented_copies(tiny):
    aug = training.IMPROVED.augmentation
    plain = _stream(tiny, n=50, seed=1)[0]
    copies = _stream(tiny, n=50, seed=1, augment=aug, one_hot=True)[0]
    assert copies[0].shape == (150, 28, 28, 1) and copies[1].shape == (150, 10)
    for k in range(3):  # three copies of the same 50 digits and labels ...
        np.testing.assert_array_equal(
            copies[1][50 * k : 50 * (k + 1)].argmax(1), plain[1]
        )
    a, b = copies[0][:50], copies[0][50:100]
    assert not np.allclose(a, b) and not np.allclose(
        a, plain[0]
    )  # ... moved differently
    ink = plain[0].sum(axis=(1, 2, 3)), a.sum(axis=(1, 2, 3))
    assert np.median(ink[1] / ink[0]) == pytest.approx(1.0, abs=0.25)


def test_eval_stream_keeps_the_order(tiny):
    ds = training.make_eval_dataset(tiny.x_test, tiny.y_test, 40, one_hot=True)
    batches = [(a.numpy(), b.numpy()) for a, b in ds]
    assert [len(a) for a, _ in batches] == [40, 40, 20]
    np.testing.assert_array_equal(
        np.concatenate([a for a, _ in batches])[..., 0], tiny.x_test
    )
    np.testing.assert_array_equal(
        np.concatenate([b for _, b in batches]).argmax(1), tiny.y_test
    )


def test_random_affine_matches_an_independent_affine_resampling(tiny):
    ndimage = pytest.importorskip("scipy.ndimage")

    x = tiny.x_train[:8].astype(np.float32)[..., None]
    key = [7, 11]
    out = training.random_affine(x, key, shift=0.1, rotate_degrees=10, zoom=0.1).numpy()
    u = (
        tf.random.stateless_uniform(
            [8, 4], seed=tf.constant(key, tf.int64), minval=-1.0, maxval=1.0
        )
        .numpy()
        .astype(np.float64)
    )
    for i in range(8):
        angle, scale = u[i, 0] * np.deg2rad(10), 1 + u[i, 1] * 0.1
        t = np.array([u[i, 3], u[i, 2]]) * 0.1 * 28  # (row, column) shift
        # output pixel p comes from input c + R(-angle)/scale (p - c - t), (row, col)
        cos, sin = np.cos(angle) / scale, np.sin(angle) / scale
        m = np.array([[cos, -sin], [sin, cos]])
        c = np.array([13.5, 13.5])
        want = ndimage.affine_transform(
            x[i, ..., 0].astype(np.float64),
            m,
            offset=c - m @ (c + t),
            order=1,
            mode="grid-constant",
            cval=0.0,
        )
        np.testing.assert_allclose(out[i, ..., 0], want, atol=0.05)


def test_random_affine_is_the_identity_at_zero_and_repeats_with_its_key(tiny):
    x = tiny.x_train[:4].astype(np.float32)[..., None]
    same = training.random_affine(
        x, [1, 2], shift=0.0, rotate_degrees=0.0, zoom=0.0
    ).numpy()
    np.testing.assert_allclose(same, x, atol=1e-3)
    a = training.random_affine(x, [1, 2]).numpy()
    np.testing.assert_array_equal(a, training.random_affine(x, [1, 2]).numpy())
    assert not np.allclose(a, training.random_affine(x, [1, 3]).numpy())
    assert a.min() >= 0 and a.max() <= 255


def test_epoch_order_is_a_permutation_keyed_by_seed_and_epoch():
    orders = {
        (s, e): training.epoch_order(50, s, e).numpy() for s in (0, 1) for e in (0, 1)
    }
    for order in orders.values():
        assert sorted(order) == list(range(50))
    assert len({tuple(o) for o in orders.values()}) == 4  # all four differ
    np.testing.assert_array_equal(
        orders[(1, 1)], training.epoch_order(50, 1, 1).numpy()
    )
    assert list(orders[(0, 0)]) != list(range(50))  # it shuffles


def test_digits_and_labels_are_checked_and_shaped(tiny):
    x, y = training.check_digits_and_labels(
        tiny.x_train[:5, ..., None], tiny.y_train[:5]
    )
    assert x.shape == (5, 28, 28, 1) and x.dtype == np.float32 and y.dtype == np.int32
    with pytest.raises(ValueError, match="labels"):
        training.check_digits_and_labels(tiny.x_train[:5], tiny.y_train[:4])
