"""Tests of issue #7: faults."""
