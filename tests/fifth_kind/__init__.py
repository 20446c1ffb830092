"""A fifth case kind that lives only in the tests: proof that adding a kind touches one app.

``tests/test_fifth_kind.py`` runs ``tests/fifth_kind/`` in a child pytest with
``tests.fifth_kind.settings`` (the project's settings plus this app); the main run skips it.
"""
