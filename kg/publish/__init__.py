"""Publishing: exports in every RDF format, the ``dist/`` build and its stage
times, pushing to a SPARQL store, and the summary of a graph. Reads every stage below.
"""
