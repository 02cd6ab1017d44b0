"""Validation: SHACL shapes and the ``*-violation`` queries, and incremental
re-validation after one source graph changed. Reads the model, runs queries.
"""
