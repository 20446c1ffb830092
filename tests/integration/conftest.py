from tests.transactional import committed_db, pytest_runtest_teardown  # noqa: F401
