"""The ordered process map every pooled stage uses."""

import os

import pytest

from wiretrace.cores import process_map, usable_cores


def _square_with_pid(x: int) -> tuple[int, int]:
    return x * x, os.getpid()


def _fails_on_seven(x: int) -> int:
    if x == 7:
        raise ValueError("seven")
    return x


@pytest.mark.parametrize("batch", [1, 3, 50])
def test_process_map_returns_every_result_in_order_from_worker_processes(batch):
    got = list(process_map(_square_with_pid, range(40), workers=2, batch=batch))
    assert [value for value, _ in got] == [x * x for x in range(40)]
    assert os.getpid() not in {pid for _, pid in got}
    assert list(process_map(_square_with_pid, [], workers=2, batch=batch)) == []


def test_process_map_takes_items_as_the_pool_needs_them():
    taken = []

    def items():
        for x in range(1000):
            taken.append(x)
            yield x

    results = process_map(_square_with_pid, items(), workers=2, batch=10)
    assert next(results)[0] == 0
    # at most 2 x workers + 1 batches submitted before the first result is handed over
    assert len(taken) <= (2 * 2 + 1) * 10 + 1
    assert [value for value, _ in results] == [x * x for x in range(1, 1000)]
    assert len(taken) == 1000


def test_process_map_raises_the_workers_error():
    with pytest.raises(ValueError, match="seven"):
        list(process_map(_fails_on_seven, range(20), workers=2, batch=4))


def test_usable_cores_is_this_process_affinity():
    assert usable_cores() == len(os.sched_getaffinity(0)) >= 1
