"""Linking: importers that read registries in their own formats into source graphs.

The stage after the model, the queries and validation, and before publishing."""
