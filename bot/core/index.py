"""The article index, as the core and the commands know it: a re-export of the façade in
`bot.store` (bot/store/library.py says how an index is laid out and kept consistent)."""

from __future__ import annotations

from bot.store.dedup import minhash_of
from bot.store.errors import registry_error as _registry_error
from bot.store.ingest import IngestReport, collect_files, embed_text
from bot.store.ingest import meta_for_chroma as _meta_for_chroma
from bot.store.library import Index
from bot.store.repair import inspect_index

__all__ = ["Index", "IngestReport", "collect_files", "embed_text", "inspect_index", "minhash_of",
           "_meta_for_chroma", "_registry_error"]
