"""Running work in several threads at once, for the PostgreSQL row-lock tests."""

import threading

from django.db import connection


def run_concurrently(count, work):
    """Run ``work(index)`` in ``count`` threads at once; return ``(ok, value_or_exception)``."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def worker(index):
        try:
            barrier.wait(timeout=30)
            results[index] = (True, work(index))
        except Exception as exc:  # collected and asserted on by the test
            results[index] = (False, exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread deadlocked"
    return results


def split(results):
    successes = [value for ok, value in results if ok]
    failures = [value for ok, value in results if not ok]
    return successes, failures
