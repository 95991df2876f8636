"""Python client for the lateindex REST API: ``Client(url, api_key).search("scifact", "microglia")``."""

from .client import Client
from .errors import LateIndexError
from .types import (
    DeleteResult,
    Document,
    DocumentToken,
    Hit,
    IndexInfo,
    ReductionStep,
    SearchResult,
    StoredDocument,
    TokenScore,
    UpsertResult,
    utf16_to_index,
)

__all__ = [
    "Client",
    "LateIndexError",
    "DeleteResult",
    "Document",
    "DocumentToken",
    "Hit",
    "IndexInfo",
    "ReductionStep",
    "SearchResult",
    "StoredDocument",
    "TokenScore",
    "UpsertResult",
    "utf16_to_index",
]
__version__ = "0.1.0"
