"""Tests of the Python client against a real lateindex server.

Run by tests/clients/python-client.test.ts, which starts the server and sets LATEINDEX_URL and LATEINDEX_API_KEY:
an index ``sample`` (the sample corpus, embedded encoder, BM25 postings) and an empty index ``vectors`` of
precomputed 4-d embeddings.
"""

import json
import os
import sys
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import numpy as np  # noqa: E402  (the machine image ships numpy; the client works without it)

from lateindex_client import Client, Document, DocumentToken, LateIndexError, utf16_to_index  # noqa: E402

URL = os.environ["LATEINDEX_URL"]
KEY = os.environ["LATEINDEX_API_KEY"]


def raw(method, path, body=None):
    """The server's JSON for one request, without the client (the reference the client is checked against)."""
    request = urllib.request.Request(
        URL + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": "Bearer " + KEY, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


class ClientTest(unittest.TestCase):
    client = Client(URL, api_key=KEY)

    def test_indexes_and_index_info(self):
        names = sorted(i.name for i in self.client.indexes())
        self.assertEqual(names, ["sample", "vectors"])
        info = self.client.index_info("sample")
        reference = raw("GET", "/v1/indexes/sample")
        self.assertEqual(info.documents, reference["documents"])
        self.assertEqual(info.vectors, reference["vectors"])
        self.assertEqual(info.modes, ["late", "sparse", "hybrid"])
        self.assertEqual(info.default_mode, "hybrid")
        self.assertEqual(self.client.index_info("vectors").default_mode, "late")
        self.assertEqual(info.encoder["kind"], "static")
        self.assertEqual([(s.step, s.vectors) for s in info.reduction_steps], [("encoded", reference["vectors"])])
        self.assertEqual(info.sparse["mode"], "bm25")

    def test_search_returns_the_servers_hits_typed(self):
        result = self.client.search("sample", "what makes bread rise", top_k=5, include=["title", "text"])
        reference = raw("POST", "/v1/indexes/sample/search", {"query": "what makes bread rise", "top_k": 5, "include": ["title", "text"]})
        hits = reference["results"][0]["hits"]
        self.assertEqual(result.query, "what makes bread rise")
        self.assertEqual([(h.id, h.rank, h.title) for h in result.hits], [(h["id"], h["rank"], h["title"]) for h in hits])
        for got, want in zip(result.hits, hits):
            self.assertAlmostEqual(got.score, want["score"], places=6)
        self.assertGreaterEqual(result.took_ms, 0)

    def test_paging_filters_and_modes(self):
        full = self.client.search("sample", "glacier ice", top_k=6, exhaustive=True)
        second = self.client.search("sample", "glacier ice", top_k=3, offset=3, exhaustive=True)
        self.assertEqual([h.id for h in second.hits], [h.id for h in full.hits[3:6]])
        self.assertEqual([h.rank for h in second.hits], [4, 5, 6])
        only = self.client.search("sample", "glacier ice", ids=["tides", "glacier-flow"], top_k=10)
        self.assertEqual(sorted(h.id for h in only.hits), ["glacier-flow", "tides"])
        hybrid = self.client.search("sample", "sourdough starter", mode="hybrid", top_k=3)
        self.assertEqual(hybrid.hits[0].id, "bread-sourdough")
        self.assertEqual(sorted(hybrid.hits[0].components), ["late", "sparse"])
        sparse = self.client.search("sample", sparse_query={"sourdough": 2.0}, mode="sparse", top_k=1)
        self.assertEqual(sparse.hits[0].id, "bread-sourdough")

    def test_token_scores_carry_document_tokens_with_offsets(self):
        result = self.client.search("sample", "sourdough yeast", mode="late", top_k=1, include=["title", "text", "token_scores"])
        hit = result.hits[0]
        self.assertEqual(hit.id, "bread-sourdough")
        self.assertAlmostEqual(sum(s.weight * s.similarity for s in hit.token_scores), hit.score, places=4)
        seen = 0
        for score in hit.token_scores:
            for token in score.document_tokens:
                self.assertIsInstance(token, DocumentToken)
                value = hit.title if token.field == "title" else hit.text
                start, end = token.span_in(value)
                self.assertEqual(value[start:end], token.text)
                self.assertEqual(token.text.lower(), score.query_token)
                seen += 1
        self.assertGreaterEqual(seen, 2)

    def test_utf16_offsets_map_to_python_indices(self):
        text = "a\U0001F600b"  # the emoji is two UTF-16 code units
        self.assertEqual([utf16_to_index(text, i) for i in (0, 1, 3, 4)], [0, 1, 2, 3])

    def test_search_batch_answers_each_query_in_order(self):
        queries = ["glacier ice", "volcano warning signs", "honeybee dance"]
        batch = self.client.search_batch("sample", queries, top_k=3)
        self.assertEqual([r.query for r in batch], queries)
        for query, result in zip(queries, batch):
            single = self.client.search("sample", query, top_k=3)
            self.assertEqual([h.id for h in result.hits], [h.id for h in single.hits])

    def test_upsert_get_and_delete_text_records(self):
        written = self.client.upsert(
            "sample",
            [
                Document(id="py-1", title="Zorblax moons", text="The zorblax moons orbit slowly.", metadata={"src": "py"}),
                {"id": "py-2", "text": "A second zorblax note."},
            ],
        )
        self.assertEqual((written.inserted, written.updated), (2, 0))
        self.assertEqual((written.truncated, written.token_limit), ({}, None))
        long_text = " ".join("zorblax%d" % (i % 3000) for i in range(2500))
        long = self.client.upsert("sample", [{"id": "py-long", "text": long_text}])
        self.assertEqual((long.truncated, long.token_limit, long.vectors), ({"py-long": 2500}, 2048, 2048))
        self.client.delete("sample", ["py-long"])
        stored = self.client.get_document("sample", "py-1")
        self.assertEqual((stored.id, stored.title, stored.metadata), ("py-1", "Zorblax moons", {"src": "py"}))
        self.assertEqual(stored.vectors, raw("GET", "/v1/indexes/sample/documents/py-1")["vectors"])
        hits = self.client.search("sample", "zorblax", top_k=5, metadata={"src": "py"}, exhaustive=True).hits
        self.assertEqual([h.id for h in hits], ["py-1"])
        again = self.client.upsert("sample", [{"_id": "py-2", "text": "Rewritten zorblax note."}])
        self.assertEqual((again.inserted, again.updated), (0, 1))
        deleted = self.client.delete("sample", ["py-1", "py-2", "py-none"])
        self.assertEqual((sorted(deleted.deleted), deleted.missing), (["py-1", "py-2"], ["py-none"]))
        with self.assertRaises(LateIndexError) as caught:
            self.client.get_document("sample", "py-1")
        self.assertEqual((caught.exception.status, caught.exception.code), (404, "document_not_found"))

    def test_precomputed_embeddings_from_lists_and_numpy(self):
        rows = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]], dtype=np.float32)
        written = self.client.upsert(
            "vectors",
            [
                Document(id="np", embeddings=rows, text="page from numpy"),
                {"id": "list", "embeddings": [[0.0, 0.0, 3.0, 4.0]]},
            ],
        )
        self.assertEqual((written.inserted, written.vectors), (2, 3))
        query = np.array([[0.0, 0.0, 0.6, 0.8]])
        result = self.client.search("vectors", embeddings=query, top_k=2, include=["token_scores"])
        self.assertEqual([h.id for h in result.hits], ["list", "np"])
        # Rows are normalised by the server: [0, 0, 3, 4] is the unit query itself.
        self.assertAlmostEqual(result.hits[0].score, 1.0, places=3)
        self.assertIsNone(result.hits[0].token_scores[0].document_tokens)
        with self.assertRaises(ValueError):
            self.client.search("vectors", embeddings=np.zeros(4))
        with self.assertRaises(LateIndexError) as caught:
            self.client.upsert("vectors", [{"id": "bad", "embeddings": [[1.0, 2.0]]}])
        problem = caught.exception
        self.assertEqual((problem.status, problem.code), (400, "invalid_document"))
        self.assertEqual(problem.issues[0]["path"], "documents[0].embeddings")
        self.assertEqual(problem.issues[0]["code"], "dimension_mismatch")

    def test_problems_raise_one_exception_with_code_status_and_issues(self):
        with self.assertRaises(LateIndexError) as caught:
            self.client.search("nope", "x")
        self.assertEqual((caught.exception.status, caught.exception.code, caught.exception.title), (404, "index_not_found", "Not Found"))
        with self.assertRaises(LateIndexError) as caught:
            self.client.search("sample", "x", top_k=0)
        self.assertEqual((caught.exception.status, caught.exception.code), (400, "validation_failed"))
        self.assertEqual(caught.exception.issues[0]["path"], "top_k")
        with self.assertRaises(LateIndexError) as caught:
            Client(URL, api_key="wrong").indexes()
        self.assertEqual((caught.exception.status, caught.exception.code), (401, "invalid_api_key"))
        with self.assertRaises(LateIndexError) as caught:
            Client("http://127.0.0.1:9", timeout=5).indexes()
        self.assertEqual((caught.exception.status, caught.exception.code), (0, "connection_failed"))


if __name__ == "__main__":
    unittest.main()
