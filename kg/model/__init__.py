"""The store and model: prefixes and namespaces, paths, parse bounds, the canonical
and JSON-LD forms of RDF, loading (dataset, source graphs, the store) and how terms are
shown to people. The lowest stage: it imports no other stage (two lazy exceptions in
:mod:`kg.model.store`: persisting a store uses the export's snapshot and the engines'
N-Quads).
"""
