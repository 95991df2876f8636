"""The one exception the client raises for anything the server refused or could not answer."""

from typing import Any, Dict, List, Optional


class LateIndexError(Exception):
    """An RFC 9457 problem from the server (or a connection failure, with status 0).

    Attributes mirror the problem document: ``status`` (HTTP status), ``code`` (stable, e.g. ``index_not_found``),
    ``title``, ``detail``, ``issues`` (``[{"path", "message", "code"}]`` for validation failures) and
    ``request_id``.
    """

    def __init__(
        self,
        status: int,
        code: str,
        title: str,
        detail: str,
        issues: Optional[List[Dict[str, Any]]] = None,
        request_id: Optional[str] = None,
    ) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.issues: List[Dict[str, Any]] = list(issues or [])
        self.request_id = request_id

    @classmethod
    def from_problem(cls, status: int, body: Any, fallback: str) -> "LateIndexError":
        problem = body if isinstance(body, dict) else {}
        return cls(
            status=int(problem.get("status", status)),
            code=str(problem.get("code", "http_error")),
            title=str(problem.get("title", f"HTTP {status}")),
            detail=str(problem.get("detail", fallback)),
            issues=problem.get("issues"),
            request_id=problem.get("request_id"),
        )
