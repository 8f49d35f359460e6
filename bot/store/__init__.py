"""Storage of the article index: the SQLite registry, the vector store and keyword index kept in
step with it, ingest, near-duplicates, hybrid search and repairs. `bot.store.library.Index` is the
façade; see its module docstring for the layout of an index directory."""
