"""A small client for the lateindex REST API, on the standard library alone (urllib, json)."""

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, is_dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union

from .errors import LateIndexError
from .types import DeleteResult, Document, IndexInfo, SearchResult, StoredDocument, UpsertResult

Rows = Any  # a list of rows (lists of floats) or a 2-D numpy array
Record = Union[Document, Mapping[str, Any]]

#: Statuses worth asking again after the server's Retry-After: a full write queue and indexes still opening.
_RETRYABLE = {429, 503}


def _rows(value: Rows, what: str) -> List[List[float]]:
    """Rows as JSON-ready lists: numpy arrays (or anything with ``tolist``) are converted, others checked."""
    if hasattr(value, "tolist"):
        shape = getattr(value, "shape", None)
        if shape is not None and len(shape) != 2:
            raise ValueError(f"{what} must be 2-D (rows x dim), got shape {tuple(shape)}")
        value = value.tolist()
    rows = [list(row) for row in value]
    if not rows or any(not row for row in rows):
        raise ValueError(f"{what} must hold at least one non-empty row")
    return [[float(x) for x in row] for row in rows]


def _record_json(record: Record) -> Dict[str, Any]:
    data = asdict(record) if is_dataclass(record) else dict(record)
    out = {("_id" if key == "id" else key): value for key, value in data.items() if value is not None}
    if "embeddings" in out:
        out["embeddings"] = _rows(out["embeddings"], f"document {out.get('_id')!r}: embeddings")
    if "grid" in out:
        out["grid"] = [int(x) for x in out["grid"]]
    return out


class Client:
    """``Client("http://127.0.0.1:8080", api_key="...")``; every method raises LateIndexError on a problem.

    Writes that meet a full queue (429) and calls made while the indexes are still opening (503) are retried up to
    ``retries`` times after the server's ``Retry-After``.
    """

    def __init__(self, url: str, api_key: Optional[str] = None, timeout: float = 60.0, retries: int = 3) -> None:
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        self.retries = retries

    # -- indexes -------------------------------------------------------------------------------------------------

    def indexes(self) -> List[IndexInfo]:
        return [IndexInfo.from_json(i) for i in self._call("GET", "/v1/indexes")["indexes"]]

    def index_info(self, index: str) -> IndexInfo:
        return IndexInfo.from_json(self._call("GET", self._index(index)))

    # -- search --------------------------------------------------------------------------------------------------

    def search(
        self,
        index: str,
        query: Optional[str] = None,
        *,
        embeddings: Optional[Rows] = None,
        sparse_query: Optional[Mapping[str, float]] = None,
        top_k: int = 10,
        offset: int = 0,
        mode: Optional[str] = None,
        ids: Optional[Sequence[str]] = None,
        metadata: Optional[Mapping[str, Any]] = None,
        include: Sequence[str] = (),
        exhaustive: bool = False,
        candidates_per_token: Optional[int] = None,
    ) -> SearchResult:
        """One query: a text, precomputed query ``embeddings`` (rows or a numpy array), or ``sparse_query`` weights.

        ``mode`` is ``late``, ``sparse`` or ``hybrid``; ``None`` lets the server use the index's ``default_mode``.
        ``ids`` and ``metadata`` filter the ranked documents; ``include`` adds ``title``, ``text``, ``metadata`` and
        ``token_scores`` to the hits.
        """
        body = self._search_body(top_k, offset, mode, ids, metadata, include, exhaustive, candidates_per_token)
        if query is not None:
            body["query"] = query
        if embeddings is not None:
            body["embeddings"] = _rows(embeddings, "embeddings")
        if sparse_query is not None:
            body["sparse_query"] = dict(sparse_query)
        return SearchResult.from_json(self._call("POST", self._index(index) + "/search", body)["results"][0])

    def search_batch(
        self,
        index: str,
        queries: Sequence[str],
        *,
        top_k: int = 10,
        offset: int = 0,
        mode: Optional[str] = None,
        ids: Optional[Sequence[str]] = None,
        metadata: Optional[Mapping[str, Any]] = None,
        include: Sequence[str] = (),
        exhaustive: bool = False,
        candidates_per_token: Optional[int] = None,
    ) -> List[SearchResult]:
        """Several query texts in one request (at most 64), answered in order."""
        body = self._search_body(top_k, offset, mode, ids, metadata, include, exhaustive, candidates_per_token)
        body["queries"] = list(queries)
        return [SearchResult.from_json(r) for r in self._call("POST", self._index(index) + "/search", body)["results"]]

    @staticmethod
    def _search_body(
        top_k: int,
        offset: int,
        mode: Optional[str],
        ids: Optional[Sequence[str]],
        metadata: Optional[Mapping[str, Any]],
        include: Sequence[str],
        exhaustive: bool,
        candidates_per_token: Optional[int],
    ) -> Dict[str, Any]:
        body: Dict[str, Any] = {"top_k": top_k, "offset": offset, "include": list(include)}
        if mode is not None:
            body["mode"] = mode
        search_filter: Dict[str, Any] = {}
        if ids is not None:
            search_filter["ids"] = list(ids)
        if metadata is not None:
            search_filter["metadata"] = dict(metadata)
        if search_filter:
            body["filter"] = search_filter
        if exhaustive:
            body["exhaustive"] = True
        if candidates_per_token is not None:
            body["candidates_per_token"] = candidates_per_token
        return body

    # -- documents -----------------------------------------------------------------------------------------------

    def upsert(self, index: str, documents: Iterable[Record]) -> UpsertResult:
        """Inserts or replaces documents by id in one transaction (1 to 1000 per call): text records or embeddings."""
        body = {"documents": [_record_json(d) for d in documents]}
        reply = self._call("POST", self._index(index) + "/documents", body)
        truncated = reply.get("truncated") or {}
        return UpsertResult(
            inserted=reply["inserted"],
            updated=reply["updated"],
            vectors=reply["vectors"],
            documents=reply["documents"],
            truncated={doc["id"]: doc["tokens"] for doc in truncated.get("documents", [])},
            token_limit=truncated.get("limit"),
        )

    def delete(self, index: str, ids: Sequence[str]) -> DeleteResult:
        reply = self._call("DELETE", self._index(index) + "/documents", {"ids": list(ids)})
        return DeleteResult(deleted=reply["deleted"], missing=reply["missing"], documents=reply["documents"])

    def get_document(self, index: str, document_id: str) -> StoredDocument:
        return StoredDocument.from_json(self._call("GET", self._index(index) + "/documents/" + urllib.parse.quote(document_id, safe="")))

    # -- transport -----------------------------------------------------------------------------------------------

    @staticmethod
    def _index(name: str) -> str:
        return "/v1/indexes/" + urllib.parse.quote(name, safe="")

    def _call(self, method: str, path: str, body: Optional[Any] = None) -> Any:
        data = None if body is None else json.dumps(body).encode("utf-8")
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        for attempt in range(self.retries + 1):
            request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    text = response.read().decode("utf-8")
                    return json.loads(text) if text else None
            except urllib.error.HTTPError as err:
                text = err.read().decode("utf-8", "replace")
                retry_after = err.headers.get("Retry-After")
                if err.code in _RETRYABLE and retry_after is not None and attempt < self.retries:
                    time.sleep(min(float(retry_after), 30.0))
                    continue
                try:
                    problem = json.loads(text)
                except ValueError:
                    problem = None
                raise LateIndexError.from_problem(err.code, problem, text[:300] or err.reason) from None
            except urllib.error.URLError as err:
                raise LateIndexError(0, "connection_failed", "Connection failed", f"{self.url}: {err.reason}") from None
        raise AssertionError("unreachable")
