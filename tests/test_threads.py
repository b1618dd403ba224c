"""The solvers limit BLAS to one thread while they run, and give the user's setting back."""

from threadpoolctl import threadpool_info, threadpool_limits

from sparsefit.solvers._threads import single_threaded_blas


def _blas_threads():
    return [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]


def test_limit_inside_and_the_users_setting_restored_after():
    seen = []

    @single_threaded_blas
    def inner():
        seen.append(_blas_threads())

    @single_threaded_blas
    def outer():
        inner()  # nested: still limited, and the inner exit must not restore early
        seen.append(_blas_threads())

    with threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()
        outer()
        assert _blas_threads() == before
    assert seen and all(threads == [1] * len(threads) for threads in seen)
