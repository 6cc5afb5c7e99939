"""Word vectors: trained with gensim, read from the embedded GloVe, a user file, or random."""

from sweeps.embeddings.vectors import WordVectors, build_vectors

__all__ = ["WordVectors", "build_vectors"]
