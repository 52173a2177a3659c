"""Tests for genai_course.compression: PCA against independent references, SVD, the seed's 100."""

from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genai_course import compression

# --- independent references -----------------------------------------------------------------------


def separated_data(n: int, p: int, seed: int) -> np.ndarray:
    """Rows with distinct variances along random directions, so the components are well defined."""
    rng = np.random.default_rng(seed)
    r = min(n - 1, p)
    # each direction has 0.85 times the spread of the one before: distinct, none vanishingly small
    scales = 0.85 ** np.arange(r)
    directions = np.linalg.qr(rng.standard_normal((p, r)))[0].T  # [r, p], orthonormal rows
    return rng.standard_normal((n, r)) * scales @ directions + rng.standard_normal(p)


def reference_pca(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # eigendecomposition of the p × p covariance matrix, written out with explicit sums
    n, p = X.shape
    mean = np.array([sum(X[i, j] for i in range(n)) / n for j in range(p)])
    centred = X - mean
    covariance = np.zeros((p, p))
    for row in centred:
        covariance += np.outer(row, row)
    covariance /= n - 1
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    order = np.argsort(eigenvalues)[::-1]
    return mean, eigenvectors[:, order].T, eigenvalues[order]


def same_up_to_sign(a: np.ndarray, b: np.ndarray, atol: float) -> None:
    for row_a, row_b in zip(a, b, strict=True):
        sign = np.sign(row_a @ row_b)
        np.testing.assert_allclose(row_a, sign * row_b, atol=atol, rtol=0)


# --- PCA against references -----------------------------------------------------------------------


@settings(deadline=None, max_examples=20)
@given(st.integers(0, 2**32 - 1), st.integers(20, 40), st.integers(3, 12))
def test_pca_matches_covariance_eigendecomposition(seed: int, n: int, p: int) -> None:
    X = separated_data(n, p, seed)
    mean, components, singular_values = compression.pca_fit(X)
    ref_mean, ref_components, ref_variances = reference_pca(X)
    np.testing.assert_allclose(mean, ref_mean, atol=1e-12)
    r = min(n - 1, p)
    assert components.shape == (r, p)
    same_up_to_sign(components, ref_components[:r], atol=1e-9)
    # the variance along component i is s_i² / (n − 1)
    np.testing.assert_allclose(singular_values**2 / (n - 1), ref_variances[:r], rtol=1e-9)


def test_pca_matches_numpy_svd_when_pixels_outnumber_images() -> None:
    X = separated_data(30, 500, seed=4)
    _, components, singular_values = compression.pca_fit(X)
    _, s, Vt = np.linalg.svd(X - X.mean(axis=0), full_matrices=False)
    assert components.shape == (29, 500)  # 30 centred rows span 29 dimensions
    np.testing.assert_allclose(singular_values, s[:29], rtol=1e-9)
    same_up_to_sign(components, Vt[:29], atol=1e-9)
    np.testing.assert_allclose(components @ components.T, np.eye(29), atol=1e-10)


def test_component_signs_are_fixed() -> None:
    X = separated_data(25, 40, seed=9)
    _, components, _ = compression.pca_fit(X)
    largest = components[np.arange(len(components)), np.argmax(np.abs(components), axis=1)]
    assert np.all(largest > 0)
    # the same data in another row order: the same components, signs included
    _, shuffled, _ = compression.pca_fit(X[::-1])
    np.testing.assert_allclose(shuffled, components, atol=1e-9)


@settings(deadline=None, max_examples=20)
@given(st.integers(0, 2**32 - 1))
def test_full_rank_reconstructs_the_training_rows(seed: int) -> None:
    X = separated_data(20, 50, seed)
    mean, components, _ = compression.pca_fit(X)
    code = compression.pca_compress(X, mean, components, len(components))
    np.testing.assert_allclose(compression.pca_reconstruct(code, mean, components), X, atol=1e-10)


def test_explained_variance_ratio() -> None:
    X = separated_data(40, 10, seed=2)
    _, _, singular_values = compression.pca_fit(X)
    _, _, variances = reference_pca(X)
    ratio = compression.explained_variance_ratio(singular_values)
    np.testing.assert_allclose(ratio, variances / variances.sum(), rtol=1e-9)
    assert ratio.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(np.diff(ratio) <= 0)


def test_batch_compression_is_row_by_row() -> None:
    X = separated_data(15, 20, seed=5)
    mean, components, _ = compression.pca_fit(X)
    batch = compression.pca_compress(X, mean, components, 4)
    assert batch.shape == (15, 4)
    for i in range(15):
        np.testing.assert_allclose(batch[i], compression.pca_compress(X[i], mean, components, 4))


# --- the seed's example: 128 × 128 faces, 100 numbers ---------------------------------------------


@pytest.fixture(scope="module")
def faces_model() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    faces = compression.image_family(200, np.random.default_rng(0))
    X = faces.reshape(200, -1)
    return (X, *compression.pca_fit(X))


def test_the_seed_image_is_16384_pixels_stored_as_100_numbers(
    faces_model: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    X, mean, components, _ = faces_model
    image = compression.test_image()
    assert image.size == compression.SEED_PIXELS == 16_384
    code = compression.pca_compress(image.ravel(), mean, components, compression.SEED_K)
    assert code.shape == (100,)
    assert compression.pca_size(100) == (100, 101 * 16_384)
    x_hat = compression.pca_reconstruct(code, mean, components)
    _, psnr_100 = compression.reconstruction_error(image.ravel(), x_hat)
    _, psnr_10 = compression.reconstruction_error(
        image.ravel(),
        compression.pca_reconstruct(
            compression.pca_compress(image.ravel(), mean, components, 10), mean, components
        ),
    )
    # a recognisable face from 100 numbers (32 dB on this data), clearly better than from 10
    assert psnr_100 > 30 and psnr_100 > psnr_10 + 5
    # the training faces themselves come back exactly from all 199 components
    full = compression.pca_reconstruct(
        compression.pca_compress(X, mean, components, len(components)), mean, components
    )
    assert len(components) == 199
    np.testing.assert_allclose(full, X, atol=1e-10)


def test_error_never_grows_with_k(
    faces_model: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    _, mean, components, _ = faces_model
    x = compression.test_image().ravel()
    errors = [
        compression.reconstruction_error(
            x,
            compression.pca_reconstruct(
                compression.pca_compress(x, mean, components, k), mean, components
            ),
        )[0]
        for k in range(1, len(components) + 1, 6)
    ]
    assert all(later <= earlier + 1e-15 for earlier, later in pairwise(errors))
    assert errors[-1] < errors[0] / 10


def test_errors_of_every_k_at_once_match_reconstructing_each(
    faces_model: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    _, mean, components, _ = faces_model
    x = compression.test_image().ravel()
    mse, psnr = compression.pca_errors(x, mean, components)
    assert mse.shape == psnr.shape == (len(components),)
    for k in (1, 2, 10, compression.SEED_K, 150, len(components)):
        restored = compression.pca_reconstruct(
            compression.pca_compress(x, mean, components, k), mean, components
        )
        expected_mse, expected_psnr = compression.reconstruction_error(x, restored)
        np.testing.assert_allclose(mse[k - 1], expected_mse, rtol=1e-9)
        np.testing.assert_allclose(psnr[k - 1], expected_psnr, rtol=1e-9)
    # a training row is rebuilt exactly by all components: no error left, PSNR infinite
    X = faces_model[0]
    mse_train, psnr_train = compression.pca_errors(X[3], mean, components)
    assert mse_train[-1] < 1e-20 and psnr_train[-1] > 150
    with pytest.raises(ValueError, match="one image of 16384 pixels"):
        compression.pca_errors(X[:2], mean, components)


def test_single_image_svd_cannot_reach_100_numbers() -> None:
    # rank 1 already stores 128 + 128 + 1 numbers
    assert compression.svd_size(1) == 257 > compression.SEED_K
    assert compression.svd_size(10) == 2_570
    assert compression.svd_size(128) == 32_896  # more than the 16,384 pixels themselves
    assert compression.svd_size(3, (28, 20)) == 3 * 49


# --- truncated SVD of one image -------------------------------------------------------------------


def test_svd_full_rank_is_exact_and_error_never_grows() -> None:
    image = compression.test_image()
    np.testing.assert_allclose(compression.svd_compress(image, 128), image, atol=1e-10)
    errors = [
        compression.reconstruction_error(image, compression.svd_compress(image, r))[0]
        for r in range(1, 129, 7)
    ]
    assert all(later <= earlier + 1e-15 for earlier, later in pairwise(errors))


@pytest.mark.parametrize("rank", [1, 3, 10, 40])
def test_svd_compress_matches_outer_products_and_eckart_young(rank: int) -> None:
    image = compression.test_image(64)
    U, s, Vt = np.linalg.svd(image)
    expected = np.zeros_like(image)
    for i in range(rank):
        expected += s[i] * np.outer(U[:, i], Vt[i])
    approximation = compression.svd_compress(image, rank)
    np.testing.assert_allclose(approximation, expected, atol=1e-10)
    # the squared error left is exactly the energy of the dropped singular values
    mse, _ = compression.reconstruction_error(image, approximation)
    assert mse * image.size == pytest.approx(np.sum(s[rank:] ** 2), rel=1e-8, abs=1e-20)


# --- error measures and images --------------------------------------------------------------------


def test_reconstruction_error_values() -> None:
    a = np.zeros((4, 4))
    assert compression.reconstruction_error(a, a + 0.1) == pytest.approx((0.01, 20.0))
    assert compression.reconstruction_error(a, a) == (0.0, float("inf"))
    mse, psnr = compression.reconstruction_error(a, a + 25.5, peak=255.0)
    assert mse == pytest.approx(650.25) and psnr == pytest.approx(20.0)


def test_images_are_fixed_in_range_and_the_test_face_is_new() -> None:
    image = compression.test_image()
    assert image.shape == (128, 128)
    assert image.min() >= 0 and image.max() <= 1 and image.std() > 0.1
    np.testing.assert_array_equal(image, compression.test_image(128))
    faces = compression.image_family(5, np.random.default_rng(1), size=64)
    assert faces.shape == (5, 64, 64)
    assert faces.min() >= 0 and faces.max() <= 1
    np.testing.assert_array_equal(faces, compression.image_family(5, np.random.default_rng(1), 64))
    assert not np.allclose(faces[0], faces[1])
    # the test face is none of the training faces
    small = compression.test_image(64)
    assert min(np.abs(face - small).max() for face in faces) > 0.1


# --- bad input ------------------------------------------------------------------------------------


def test_bad_input() -> None:
    X = separated_data(10, 6, seed=0)
    mean, components, _ = compression.pca_fit(X)
    r = len(components)
    for k in (0, r + 1, 1.5, True):
        with pytest.raises(ValueError, match=f"k must be a whole number from 1 to {r}"):
            compression.pca_compress(X, mean, components, k)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="k must be a whole number from 1"):
        compression.pca_reconstruct(np.zeros(r + 1), mean, components)
    with pytest.raises(ValueError, match="6 pixels in its last axis"):
        compression.pca_compress(np.zeros(5), mean, components, 1)
    with pytest.raises(ValueError, match="2-D array with at least 2 rows"):
        compression.pca_fit(np.zeros(6))
    with pytest.raises(ValueError, match="2-D array with at least 2 rows"):
        compression.pca_fit(np.zeros((1, 6)))
    with pytest.raises(ValueError, match="finite"):
        compression.pca_fit(np.array([[0.0, np.nan], [1.0, 2.0]]))
    with pytest.raises(ValueError, match="no variance"):
        compression.pca_fit(np.ones((5, 3)))
    image = compression.test_image(32)
    for rank in (0, 33, 2.0):
        with pytest.raises(ValueError, match="rank must be a whole number from 1 to 32"):
            compression.svd_compress(image, rank)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="image must be a 2-D array"):
        compression.svd_compress(np.zeros((2, 2, 2)), 1)
    with pytest.raises(ValueError, match="rank must be a whole number >= 1"):
        compression.svd_size(0)
    with pytest.raises(ValueError, match="k must be a whole number >= 1"):
        compression.pca_size(0)
    with pytest.raises(ValueError, match="same shape"):
        compression.reconstruction_error(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="size must be"):
        compression.test_image(8)
    with pytest.raises(ValueError, match="n must be a whole number >= 2"):
        compression.image_family(1, np.random.default_rng(0))


# --- the face family, fitted ahead of time -------------------------------------------------------


def test_pca_from_the_images_equals_pca_from_the_components() -> None:
    X = separated_data(30, 200, seed=5)
    mean, components, s = compression.pca_fit(X)
    centred = X - mean
    u = centred @ components.T / s
    x = separated_data(3, 200, seed=6)  # three other images at once
    # (not up to k = 29: the Gram route's accuracy falls as (S_0 / S_k)², see pca_fit, and these
    # data's last singular value is 3,000 times below the first)
    for k in (1, 7, 20):
        code = compression.pca_compress(x, mean, components, k)
        from_images = compression.pca_code_from_images(x, mean, centred, u, s, k)
        np.testing.assert_allclose(from_images, code, rtol=0, atol=1e-10)
        np.testing.assert_allclose(
            compression.pca_reconstruct_from_images(code, mean, centred, u, s),
            compression.pca_reconstruct(code, mean, components),
            rtol=0,
            atol=1e-10,
        )
    mse, psnr = compression.pca_errors(x[0], mean, components)
    mse_code, psnr_code = compression.pca_errors_from_code(x[0], mean, components @ (x[0] - mean))
    np.testing.assert_array_equal(mse_code, mse)
    np.testing.assert_array_equal(psnr_code, psnr)


def test_the_stored_face_basis_is_what_fitting_it_again_gives() -> None:
    stored = compression.load_face_basis()
    live = compression.face_basis()
    n = compression.FACE_FAMILY_SIZE
    assert stored.faces.shape == live.faces.shape == (n, compression.SEED_PIXELS)
    # the faces are 8-bit images: the same levels exactly
    np.testing.assert_array_equal(stored.faces, live.faces)
    np.testing.assert_array_equal(stored.mean, live.mean)
    np.testing.assert_allclose(stored.s, live.s, rtol=1e-12)
    np.testing.assert_allclose(stored.u, live.u, rtol=0, atol=1e-10)
    # and the components they stand for are pca_fit's, signs included
    _, components, _ = compression.pca_fit(live.faces)
    rebuilt = (stored.u / stored.s).T @ stored.centred  # V = S⁻¹ Uᵀ (X − mean)
    np.testing.assert_allclose(rebuilt, components, rtol=0, atol=1e-9)


def test_the_face_family_is_quantized_to_8_bits_and_little_changed() -> None:
    faces = compression.image_family(3, np.random.default_rng(0))
    levels = compression.quantize_8bit(faces)
    np.testing.assert_array_equal(np.round(levels * 255), levels * 255)
    assert np.max(np.abs(levels - faces)) <= 0.5 / 255 + 1e-12
    np.testing.assert_array_equal(compression.quantize_8bit(np.array([-0.2, 1.3])), [0.0, 1.0])


def test_bad_input_to_the_pca_from_images() -> None:
    basis = compression.load_face_basis()
    x = compression.test_image(128).reshape(-1)
    args = (basis.mean, basis.centred, basis.u, basis.s)
    with pytest.raises(ValueError, match="k must be a whole number from 1 to 119"):
        compression.pca_code_from_images(x, *args, 120)
    with pytest.raises(ValueError, match="16384 pixels"):
        compression.pca_code_from_images(x[:100], *args, 5)
    with pytest.raises(ValueError, match="1 to 119 numbers"):
        compression.pca_reconstruct_from_images(np.zeros(0), *args)
