import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, type ErrorCode } from '../../src/shared/index.js';
import { buildIndex, call, serverFixture } from './helpers.js';

const fixture = serverFixture();

describe('REST statuses come from the error registry', () => {
  let dir: string;
  beforeAll(async () => {
    dir = path.join(fixture.root(), 'sample');
    await buildIndex(dir);
  });

  async function expectRegisteredStatus(url: string, expected: ErrorCode, method: string, route: string, body?: unknown, headers?: Record<string, string>) {
    const reply = await call(url, method, route, body, headers);
    expect(reply.body?.code, reply.text).toBe(expected);
    expect(reply.status).toBe(ERROR_CODES[expected].status);
    expect(reply.body.status).toBe(ERROR_CODES[expected].status);
    expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  }

  // A UsageError raised by the Retriever: in a search worker (rebuilt on the main thread from its code) and on the event loop.
  for (const searchThreads of [1, 0]) {
    it(`UsageError, NotFoundError and HttpError (search threads: ${searchThreads})`, async () => {
      const { url } = await fixture.serve({ indexDirs: [dir], searchThreads });
      await expectRegisteredStatus(url, 'missing_query', 'POST', '/v1/indexes/sample/search', { mode: 'hybrid', sparse_query: { bread: 1 } });
      await expectRegisteredStatus(url, 'index_not_found', 'GET', '/v1/indexes/nope');
      await expectRegisteredStatus(url, 'index_not_found', 'POST', '/v1/indexes/nope/search', { query: 'bread' });
      await expectRegisteredStatus(url, 'route_not_found', 'GET', '/v1/nothing-here');
      await expectRegisteredStatus(url, 'unsupported_media_type', 'POST', '/v1/indexes/sample/search', 'query=bread', { 'content-type': 'text/plain' });
    });
  }

  it('HttpError with headers: 401 and 409', async () => {
    const { url } = await fixture.serve({ indexDirs: [dir], apiKey: 'secret', readOnly: true });
    await expectRegisteredStatus(url, 'missing_api_key', 'GET', '/v1/indexes');
    const auth = { authorization: 'Bearer secret' };
    await expectRegisteredStatus(url, 'read_only', 'DELETE', '/v1/indexes/sample/documents', { ids: ['a'] }, auth);
  });
});
