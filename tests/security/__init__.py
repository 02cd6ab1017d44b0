"""Tests of issue #7: security."""
