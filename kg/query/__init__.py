"""Queries: the catalogue and the text of SPARQL queries, parameter binding, the
sandbox that keeps engines off the network, the engines (rdflib, Oxigraph, a remote
endpoint) and the HTTP transport. Reads the model.
"""
