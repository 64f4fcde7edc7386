from __future__ import annotations

import os
import threading

from cxplatform.batching import IdBatcher, batched


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, list[int]]] = []
        self.arrived = threading.Event()

    def __call__(self, key: str, ids: list[int]) -> None:
        self.sent.append((key, ids))
        self.arrived.set()


def test_batched_splits_in_order():
    assert list(batched([1, 2, 3, 4, 5], 2)) == [[1, 2], [3, 4], [5]]
    assert list(batched([], 2)) == []


def test_ids_from_many_threads_leave_together_once_per_key():
    recorder = Recorder()
    batcher = IdBatcher(recorder, delay=0.3, batch_size=1000)
    threads = [
        threading.Thread(target=batcher.add, args=("scores", list(range(n * 10, n * 10 + 10))))
        for n in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    batcher.add("other", [7])

    assert recorder.arrived.wait(5)
    batcher.flush()  # whatever the thread has not sent yet
    by_key: dict[str, list[int]] = {}
    for key, ids in recorder.sent:
        by_key.setdefault(key, []).extend(ids)
    assert sorted(by_key["scores"]) == list(range(200))
    assert by_key["other"] == [7]
    # Coalesced: the 21 adds left in far fewer messages than one each.
    assert len(recorder.sent) <= 4


def test_a_large_burst_leaves_in_batches_of_the_batch_size():
    recorder = Recorder()
    batcher = IdBatcher(recorder, delay=60, batch_size=100)
    batcher.add("scores", list(range(250)))
    batcher.flush()
    assert [len(ids) for _, ids in recorder.sent] == [100, 100, 50]


def test_a_failed_send_is_logged_and_the_batcher_lives_on(caplog):
    calls: list[list[int]] = []

    def flaky(key: str, ids: list[int]) -> None:
        calls.append(ids)
        if len(calls) == 1:
            raise ConnectionError("broker down")

    batcher = IdBatcher(flaky, delay=60)
    batcher.add("scores", [1])
    batcher.flush()
    batcher.add("scores", [2])
    batcher.flush()
    assert calls == [[1], [2]]
    assert "Could not send 1 ids for scores" in caplog.text


def test_a_forked_child_does_not_resend_its_parents_ids():
    recorder = Recorder()
    batcher = IdBatcher(recorder, delay=60)
    batcher.add("scores", [1, 2, 3])
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child reports what it would send, and leaves without cleanup
        batcher.flush()
        os.write(write_end, str(len(recorder.sent)).encode())
        os._exit(0)
    os.close(write_end)
    os.waitpid(pid, 0)
    assert os.read(read_end, 16) == b"0"
    batcher.flush()
    assert recorder.sent == [("scores", [1, 2, 3])]
