"""Loaders, text normalisation, chunking, embeddings, index and retrieval."""
