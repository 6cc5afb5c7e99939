"""Word vectors: trained with gensim, read from the embedded GloVe, a user file, or random.

Each ``conf/embeddings`` variant names one of the :mod:`~sweeps.embeddings.sources` classes as
its ``_target_``; a user's own subclass of :class:`Embeddings` is as welcome.
"""

from sweeps.embeddings.sources import Embeddings, GloVe50, RandomVectors, VectorsFile, Word2Vec, embeddings_name
from sweeps.embeddings.vectors import WordVectors, build_vectors

__all__ = ["Embeddings", "GloVe50", "RandomVectors", "VectorsFile", "Word2Vec", "WordVectors", "build_vectors",
           "embeddings_name"]
