"""Typed results of the lateindex REST API (see docs/rest-api.md); each keeps the server's JSON in ``raw``."""

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple


def utf16_to_index(text: str, offset: int) -> int:
    """The Python string index of a UTF-16 code unit offset (the API's offsets are JavaScript string indices)."""
    units = 0
    for index, char in enumerate(text):
        if units >= offset:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
    return len(text)


@dataclass(frozen=True)
class DocumentToken:
    """A document token a query token matched: the encoder's token, its place, and where it was read."""

    token: str
    position: int
    field: Optional[str] = None
    start: Optional[int] = None
    end: Optional[int] = None
    text: Optional[str] = None

    def span_in(self, value: str) -> Optional[Tuple[int, int]]:
        """``(start, end)`` as Python indices into the field's text ``value`` (None for tokens without text)."""
        if self.start is None or self.end is None:
            return None
        return utf16_to_index(value, self.start), utf16_to_index(value, self.end)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "DocumentToken":
        return cls(
            token=data["token"],
            position=data["position"],
            field=data.get("field"),
            start=data.get("start"),
            end=data.get("end"),
            text=data.get("text"),
        )


@dataclass(frozen=True)
class TokenScore:
    """One query token's part of a late-interaction score: ``weight * similarity``."""

    query_token: Optional[str]
    weight: float
    document_vector: int
    similarity: float
    exact_match: bool
    #: The matched document tokens; None when the stored vectors cannot be traced to text.
    document_tokens: Optional[List[DocumentToken]] = None

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "TokenScore":
        tokens = data.get("document_tokens")
        return cls(
            query_token=data.get("query_token"),
            weight=data["weight"],
            document_vector=data["document_vector"],
            similarity=data["similarity"],
            exact_match=data["exact_match"],
            document_tokens=None if tokens is None else [DocumentToken.from_json(t) for t in tokens],
        )


@dataclass(frozen=True)
class Hit:
    id: str
    score: float
    rank: int
    title: Optional[str] = None
    text: Optional[str] = None
    metadata: Optional[Dict[str, Any]] = None
    token_scores: Optional[List[TokenScore]] = None
    #: Hybrid mode: the fused late and sparse scores.
    components: Optional[Dict[str, float]] = None

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Hit":
        scores = data.get("token_scores")
        return cls(
            id=data["id"],
            score=data["score"],
            rank=data["rank"],
            title=data.get("title"),
            text=data.get("text"),
            metadata=data.get("metadata"),
            token_scores=None if scores is None else [TokenScore.from_json(s) for s in scores],
            components=data.get("components"),
        )


@dataclass(frozen=True)
class SearchResult:
    """The hits of one query; ``took_ms`` is the server's time for it."""

    query: Optional[str]
    hits: List[Hit]
    took_ms: float

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "SearchResult":
        return cls(query=data.get("query"), hits=[Hit.from_json(h) for h in data["hits"]], took_ms=data["took_ms"])


@dataclass(frozen=True)
class ReductionStep:
    step: str
    vectors: Optional[int]


@dataclass(frozen=True)
class IndexInfo:
    name: str
    documents: int
    vectors: int
    vectors_per_document: float
    bytes: int
    bytes_per_document: float
    reduction: str
    quantization: str
    encoder: Dict[str, Any]
    modes: List[str]
    #: The mode of a search that gives none (``hybrid`` for the embedded encoder with BM25 postings, else ``late``).
    default_mode: str
    exact_match_recovery: bool
    read_only: bool
    reduction_steps: List[ReductionStep] = field(default_factory=list)
    sparse: Dict[str, Any] = field(default_factory=dict)
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "IndexInfo":
        return cls(
            name=data["name"],
            documents=data["documents"],
            vectors=data["vectors"],
            vectors_per_document=data["vectors_per_document"],
            bytes=data["bytes"],
            bytes_per_document=data["bytes_per_document"],
            reduction=data["reduction"],
            quantization=data["quantization"],
            encoder=data["encoder"],
            modes=data["modes"],
            default_mode=data["default_mode"],
            exact_match_recovery=data["exact_match_recovery"],
            read_only=data["read_only"],
            reduction_steps=[ReductionStep(s["step"], s["vectors"]) for s in data.get("reduction_steps", [])],
            sparse=data.get("sparse", {}),
            raw=data,
        )


@dataclass(frozen=True)
class StoredDocument:
    id: str
    metadata: Dict[str, Any]
    vectors: int
    title: Optional[str] = None
    text: Optional[str] = None

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "StoredDocument":
        return cls(id=data["id"], metadata=data["metadata"], vectors=data["vectors"], title=data.get("title"), text=data.get("text"))


@dataclass(frozen=True)
class UpsertResult:
    inserted: int
    updated: int
    #: Vectors stored for this batch after reduction.
    vectors: int
    #: Documents in the index after the batch.
    documents: int
    #: Documents of the batch longer than the encoder reads, by id: the tokens their text had (their vectors stand
    #: for the first ``token_limit`` tokens).
    truncated: Dict[str, int] = field(default_factory=dict)
    #: The encoder's document token limit, when a document was truncated.
    token_limit: Optional[int] = None


@dataclass(frozen=True)
class DeleteResult:
    deleted: List[str]
    missing: List[str]
    documents: int


@dataclass
class Document:
    """A record to upsert: text (``title``/``text``) for the index's encoder, or precomputed ``embeddings``.

    ``embeddings`` is a list of rows (lists of floats) or a 2-D numpy array; ``grid`` is ``[rows, cols]`` for
    image patches; ``sparse`` holds learned-sparse term weights.
    """

    id: str
    title: Optional[str] = None
    text: Optional[str] = None
    metadata: Optional[Dict[str, Any]] = None
    embeddings: Optional[Any] = None
    grid: Optional[Sequence[int]] = None
    sparse: Optional[Dict[str, float]] = None
