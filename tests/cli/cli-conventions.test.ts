import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze, analyzeSpans } from '../../src/index/index.js';
import { SAMPLE, binProcess, cli, tempDir } from './helpers.js';

interface Hit {
  rank: number;
  id: string;
  score: number;
  title?: string;
  snippet?: { text: string; highlights: [number, number][] };
  components?: { late: number; sparse: number };
}

function sampleRecords(): { _id: string; title: string; text: string }[] {
  return readFileSync(path.join(SAMPLE, 'corpus.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { _id: string; title: string; text: string });
}

let index: string;
beforeAll(async () => {
  index = path.join(tempDir(), 'idx');
  expect((await cli('index', '--corpus', SAMPLE, '--index', index, '--quiet')).code).toBe(0);
});

async function searchJson(...args: string[]): Promise<{ hits: Hit[]; reason?: string }> {
  const result = await cli('search', '--index', index, '--json', ...args);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as { hits: Hit[]; reason?: string };
}

describe('results on stdout, progress and warnings on stderr', () => {
  it('help and version go to stdout, so they survive 2>/dev/null and pipes', async () => {
    const version = await binProcess(['--version']);
    expect(version).toEqual({ code: 0, stdout: '0.1.0\n', stderr: '' });
    const help = await binProcess(['search', '--help']);
    expect(help.code).toBe(0);
    expect(help.stderr).toBe('');
    expect(help.stdout).toMatch(/Usage: lateindex search \[options\]/);
    const error = await binProcess(['serch']);
    expect(error.code).toBe(2);
    expect(error.stdout).toBe('');
    expect(error.stderr).toMatch(/unknown command 'serch'\n\(Did you mean search\?\)/);
  });

  it('summaries and tables of index, add, stats, eval and delete are on stdout', async () => {
    const work = tempDir();
    const dir = path.join(work, 'idx');
    const built = await cli('index', '--corpus', SAMPLE, '--index', dir);
    expect(built.code).toBe(0);
    expect(built.stdout).toMatch(/^indexed 30 documents, \d+ vectors/);
    expect(built.stderr).toMatch(/indexing \[/);
    expect(built.stderr).not.toMatch(/indexed 30/);

    const extra = path.join(work, 'extra.jsonl');
    writeFileSync(extra, `${JSON.stringify({ _id: 'new', text: 'penguins huddle in the antarctic winter' })}\n`);
    const added = await cli('add', '--index', dir, '--corpus', extra, '--quiet');
    expect(added).toMatchObject({ code: 0, stderr: '' });
    expect(added.stdout).toMatch(/^added 1 and updated 0 documents/);

    const stats = await cli('stats', '--index', dir);
    expect(stats).toMatchObject({ code: 0, stderr: '' });
    expect(stats.stdout).toMatch(/documents\s+31/);

    const evaluated = await cli('eval', '--dataset', SAMPLE, '--index', dir, '--quiet');
    expect(evaluated).toMatchObject({ code: 0, stderr: '' });
    expect(evaluated.stdout).toMatch(/nDCG@10\s+0\.\d{4}/);

    const deleted = await cli('delete', '--index', dir, '--ids', 'new');
    expect(deleted).toEqual({ code: 0, stdout: 'deleted 1 documents\n', stderr: '' });
  });
});

describe('silent empties get a reason', () => {
  it('index and add count and name records with no searchable words, in the summary and as a warning', async () => {
    const work = tempDir();
    const corpus = path.join(work, 'corpus.jsonl');
    const records = [
      { _id: 'fine', text: 'glaciers carve valleys' },
      { _id: 'blank', text: '' },
      { _id: 'stop', text: 'the of and to it is' },
      { _id: 'marks', text: '!!! ... ?? --' },
    ];
    writeFileSync(corpus, records.map((r) => JSON.stringify(r)).join('\n'));
    const dir = path.join(work, 'idx');
    const built = await cli('index', '--corpus', corpus, '--index', dir, '--json');
    expect(built.code).toBe(0);
    const summary = JSON.parse(built.stdout) as { documents: number; vectorless: { count: number; ids: string[] } };
    expect(summary.documents).toBe(4);
    expect(summary.vectorless).toEqual({ count: 3, ids: ['blank', 'stop', 'marks'] });
    expect(built.stderr).toBe(
      'warning: 3 documents have no searchable words (empty, or only stopwords and punctuation) and can never be found: "blank", "stop", "marks"\n',
    );

    // An update that gives "stop" words clears it; a new empty record is named.
    const update = path.join(work, 'update.jsonl');
    writeFileSync(update, [JSON.stringify({ _id: 'stop', text: 'moraines' }), JSON.stringify({ _id: 'empty2', title: 'The', text: 'of' })].join('\n'));
    const added = await cli('add', '--index', dir, '--corpus', update, '--quiet');
    expect(added.code).toBe(0);
    expect(added.stderr).toMatch(/^warning: 1 document has no searchable words .* can never be found: "empty2"\n$/);
    const quiet = await cli('index', '--corpus', SAMPLE, '--index', path.join(work, 'sample'), '--json');
    expect(quiet.stderr).toBe('');
    expect(JSON.parse(quiet.stdout)).not.toHaveProperty('vectorless');
  });

  it('a query of stopwords says why it found nothing, in every mode', async () => {
    for (const mode of ['late', 'sparse', 'hybrid']) {
      const human = await cli('search', '--index', index, '--query', 'the of and', '--mode', mode);
      expect(human, mode).toEqual({ code: 0, stdout: 'no results: the query has no searchable words (only stopwords and punctuation)\n', stderr: '' });
      const json = await searchJson('--query', 'to the of it', '--mode', mode);
      expect(json.hits).toEqual([]);
      expect(json.reason).toBe('the query has no searchable words (only stopwords and punctuation)');
    }
    expect((await searchJson('--query', 'zzzz qqqq', '--mode', 'sparse')).reason).toBe("no document contains any of the query's terms");
    expect((await searchJson('--query', 'glacier', '--offset', '40')).reason).toBe('--offset skips all 30 results there are');
  });
});

describe('flags', () => {
  it('help shows every default once', async () => {
    const search = (await binProcess(['search', '--help'])).stdout;
    for (const [flag, value] of [
      ['--candidates <n>', '64'],
      ['--alpha <a>', '1'],
      ['--beta <b>', '1'],
      ['--k <n>', '10'],
      ['--offset <n>', '0'],
    ] as const) {
      const entry = search.slice(search.indexOf(flag), search.indexOf('\n  -', search.indexOf(flag) + 1));
      expect(entry.replace(/\s+/g, ' '), flag).toMatch(new RegExp(`\\(default: ${value.replace('.', '\\.')}\\)`));
      expect(entry.match(/default/g), flag).toHaveLength(1);
    }
    // Defaults that are the index's (per encoder kind, search-defaults.ts): said once, in words.
    for (const [flag, value] of [
      ['--mode <mode>', "default: the index's (hybrid for the embedded encoder with BM25 postings, else late; shown by stats)"],
      ['--fusion <method>', "default: the index's (zscore)"],
      ['--late-weight <w>', "default: the index's (0.25 for the embedded encoder, 0.5 for other encoders)"],
    ] as const) {
      const entry = search.slice(search.indexOf(flag), search.indexOf('\n  -', search.indexOf(flag) + 1)).replace(/\s+/g, ' ');
      expect(entry, flag).toContain(value);
      expect(entry.match(/default/g), flag).toHaveLength(1);
    }
    const index = (await binProcess(['index', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(index).toMatch(/--reduce <spec> token reduction pipeline, e\.g\. "skiplist,ward:2" \(default: "none"\)/);
    expect(index.match(/default: "?none/g)).toHaveLength(1);
    expect(index).toMatch(/--sparse-block-size <n> .*\(default: 64\)/);
    const serve = (await binProcess(['serve', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(serve).toMatch(/--body-limit <size> .* \(default: "16mb"\)/);
    expect(serve).toMatch(/--write-queue <n> .* \(default: 8\)/);
    const sweep = (await binProcess(['sweep', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(sweep).toMatch(/--candidates <n> HNSW neighbours per query token \(k'\) \(default: 64, as search\)/);
    expect(sweep).toMatch(/--m <n> HNSW graph degree for every index \(default: 16\)/);
    expect(sweep).toMatch(/--ef-construction <n> .* \(default: 100\)/);
  });

  it('rejects bad values when parsing, and reports a misspelt flag as unknown rather than a required one as missing', async () => {
    const alpha = await cli('search', '--index', index, '--query', 'q', '--mode', 'sparse', '--alpha', '0');
    expect(alpha.code).toBe(2);
    expect(alpha.stderr).toMatch(/option '--alpha <a>' argument '0' is invalid\. expected a number in \(0, 1\], got "0"/);
    const misspelt = await cli('search', '--index', index, '--querry', 'glacier');
    expect(misspelt.code).toBe(2);
    expect(misspelt.stderr).toMatch(/^error: unknown option '--querry'\n\(Did you mean --query\?\)/);
    const missing = await cli('stats');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: required option '--index <dir>' not specified/);
    const neither = await cli('search', '--index', index);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toMatch(/give --query <text> or --queries-file <file>/);
  });

  it('refuses flags that would do nothing in the combination given', async () => {
    const refused: [string[], RegExp][] = [
      [['--exhaustive', '--mode', 'sparse'], /--exhaustive does nothing in --mode sparse: it applies to --mode late or hybrid/],
      [['--candidates', '8', '--mode', 'sparse'], /--candidates does nothing in --mode sparse/],
      [['--candidates', '8', '--exhaustive'], /option '--candidates <n>' cannot be used with option '--exhaustive'/],
      [['--fusion', 'rrf', '--mode', 'late'], /--fusion does nothing in --mode late: it applies to --mode hybrid/],
      [['--late-weight', '0.5', '--mode', 'sparse'], /--late-weight does nothing in --mode sparse/],
      [['--mode', 'hybrid', '--fusion', 'rrf', '--late-weight', '0.5'], /--late-weight does nothing with --fusion rrf/],
      [['--alpha', '0.5', '--mode', 'late'], /--alpha does nothing in --mode late: it applies to --mode sparse or hybrid/],
      [['--sparse-query', '{"glacier": 1}', '--mode', 'late'], /--sparse-query does nothing in --mode late/],
      [['--model', '/nowhere'], /--model applies to indexes of an ONNX model; this index was built with the embedded encoder/],
      [['--int8'], /--int8 applies to indexes of an ONNX model/],
    ];
    for (const [flags, message] of refused) {
      const result = await cli('search', '--index', index, '--query', 'glacier', ...flags);
      expect(result.code, flags.join(' ')).toBe(2);
      expect(result.stderr, flags.join(' ')).toMatch(message);
    }
    const evalFusion = await cli('eval', '--dataset', SAMPLE, '--index', index, '--fusion', 'rrf', '--mode', 'late');
    expect(evalFusion.code).toBe(2);
    const work = tempDir();
    const int8 = await cli('index', '--corpus', SAMPLE, '--index', path.join(work, 'a'), '--int8');
    expect(int8.code).toBe(2);
    expect(int8.stderr).toMatch(/--int8 applies to an ONNX model: give --model <dir>/);
    const blocks = await cli('index', '--corpus', SAMPLE, '--index', path.join(work, 'b'), '--sparse', 'none', '--sparse-block-size', '16');
    expect(blocks.code).toBe(2);
    expect(blocks.stderr).toMatch(/--sparse-block-size does nothing with --sparse none/);
    // Defaults given explicitly are fine.
    expect((await cli('search', '--index', index, '--query', 'glacier', '--mode', 'late', '--candidates', '64')).code).toBe(0);
  });

  it('an empty corpus is a data error (exit 1), and index --dataset takes only what eval takes: a BEIR folder', async () => {
    const work = tempDir();
    const empty = path.join(work, 'empty.jsonl');
    writeFileSync(empty, '\n');
    const result = await cli('index', '--corpus', empty, '--index', path.join(work, 'a'));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/empty\.jsonl: the corpus holds no records \[empty_corpus\]/);

    const notes = path.join(work, 'notes');
    mkdirSync(notes);
    writeFileSync(path.join(notes, 'a.md'), '# Glaciers\nIce flows downhill.');
    const asDataset = await cli('index', '--dataset', notes, '--index', path.join(work, 'b'));
    const evalOfIt = await cli('eval', '--dataset', notes, '--index', index);
    expect(asDataset.code).toBe(1);
    expect(evalOfIt.code).toBe(1);
    expect(asDataset.stderr).toMatch(/missing corpus\.jsonl; a BEIR dataset has corpus\.jsonl, queries\.jsonl/);
    expect(evalOfIt.stderr).toMatch(/missing corpus\.jsonl; a BEIR dataset has corpus\.jsonl, queries\.jsonl/);
    expect((await cli('index', '--corpus', notes, '--index', path.join(work, 'c'), '--quiet')).code).toBe(0);
  });
});

describe('search presentation', () => {
  it('shows a snippet under each hit with the words matching the query marked (brackets off a terminal)', async () => {
    const result = await cli('search', '--index', index, '--query', 'what makes bread rise', '--k', '3');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^rank\s+score\s+id\s+title$/);
    // bread-gluten's text: "... so the dough rises and holds its shape in the oven."
    const row = lines.findIndex((l) => /\sbread-gluten\s/.test(l));
    expect(row).toBeGreaterThan(0);
    expect(lines[row + 1]).toMatch(/^ {6}.*dough \[rises\] and holds its shape/);
    expect(lines.find((l) => /\sbread-sourdough\s/.test(l))).toMatch(/Sourdough \[bread\]$/);
    expect(result.stdout).not.toMatch(/\u001b/);

    const json = await searchJson('--query', 'what makes bread rise', '--k', '3');
    const gluten = json.hits.find((h) => h.id === 'bread-gluten')!;
    const marked = gluten.snippet!.highlights.map(([s, e]) => gluten.snippet!.text.slice(s, e));
    expect(marked).toContain('rises');
    // Every marked word analyses to a query term; no stopword ("what") is marked.
    const terms = new Set(analyze('what makes bread rise'));
    for (const word of marked) expect(terms.has(analyze(word)[0]!), word).toBe(true);
  });

  it('highlights are the analyzer terms at their offsets (the same terms analyze gives)', () => {
    for (const record of sampleRecords()) {
      const spans = analyzeSpans(record.text);
      expect(spans.map((s) => s.term)).toEqual(analyze(record.text));
      for (const span of spans) expect(analyze(record.text.slice(span.start, span.end))).toEqual([span.term]);
    }
  });

  it('--offset pages through the same ranking, ranks staying ranks of the full list', async () => {
    const full = (await searchJson('--query', 'glaciers and volcanoes', '--k', '8')).hits;
    const page = (await searchJson('--query', 'glaciers and volcanoes', '--k', '3', '--offset', '4')).hits;
    expect(page.map((h) => [h.rank, h.id, h.score])).toEqual(full.slice(4, 7).map((h) => [h.rank, h.id, h.score]));
    expect(page[0]!.rank).toBe(5);
  });

  it('--filter keeps the documents whose metadata equals every condition, ranked as without it', async () => {
    const work = tempDir();
    const records = [
      { _id: 'a', text: 'glaciers carve valleys in the mountains', metadata: { lang: 'en', year: 2020 } },
      { _id: 'b', text: 'glacier ice flows slowly downhill', metadata: { lang: 'de', year: 2020 } },
      { _id: 'c', text: 'valleys left behind by retreating glaciers', metadata: { lang: 'en', year: 2021 } },
      { _id: 'd', text: 'glaciers and moraines of the alps', metadata: { lang: 'en', year: '2020' } },
      { _id: 'e', text: 'sourdough bread rises overnight' },
      { _id: 'f', text: 'mountain glaciers melt in summer', metadata: { lang: 'en', year: 2020, draft: true } },
    ];
    const corpus = path.join(work, 'corpus.jsonl');
    writeFileSync(corpus, records.map((r) => JSON.stringify(r)).join('\n'));
    const dir = path.join(work, 'idx');
    expect((await cli('index', '--corpus', corpus, '--index', dir, '--quiet')).code).toBe(0);
    const search = async (...args: string[]) => {
      const result = await cli('search', '--index', dir, '--query', 'glaciers valleys', '--k', '10', '--json', ...args);
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as { hits: Hit[]; reason?: string };
    };
    for (const mode of [['--mode', 'late', '--exhaustive'], ['--mode', 'sparse'], ['--mode', 'hybrid', '--exhaustive']]) {
      const full = (await search(...mode)).hits;
      // Hand-picked: lang "en" and the number 2020 (d's year is the string "2020", e has no metadata).
      for (const [filters, expected] of [
        [['--filter', 'lang=en', '--filter', 'year=2020'], ['a', 'f']],
        [['--filter', 'year="2020"'], ['d']],
        [['--filter', 'lang = de'], ['b']],
        [['--filter', 'draft=true'], ['f']],
      ] as const) {
        const hits = (await search(...mode, ...filters)).hits;
        const kept = full.filter((h) => (expected as readonly string[]).includes(h.id));
        const label = `${mode.join(' ')} ${filters.join(' ')}`;
        expect(hits.map((h) => h.rank), label).toEqual(kept.map((_, i) => i + 1));
        if (mode[1] === 'hybrid') {
          // Fusion normalises each side over the documents retrieved, so only the unfused parts compare.
          const parts = (list: Hit[]) => list.map((h) => [h.id, h.components]).sort();
          expect(parts(hits), label).toEqual(parts(kept));
        } else {
          expect(hits.map((h) => [h.id, h.score]), label).toEqual(kept.map((h) => [h.id, h.score]));
        }
      }
    }
    const none = await search('--filter', 'lang=fr');
    expect(none).toMatchObject({ hits: [], reason: 'no document meets --filter lang="fr"' });
    // Every word of the query is e's alone: one candidate per query token is e, which has no metadata.
    const bread = ['search', '--index', dir, '--query', 'sourdough bread overnight', '--json', '--filter', 'lang=en'];
    const narrow = JSON.parse((await cli(...bread, '--candidates', '1')).stdout) as { hits: Hit[]; reason?: string };
    expect(narrow).toMatchObject({ hits: [], reason: 'none of the query\'s nearest candidates meets --filter lang="en" (--exhaustive scores every document)' });
    const exhaustive = JSON.parse((await cli(...bread, '--exhaustive')).stdout) as { hits: Hit[] };
    expect(exhaustive.hits.map((h) => h.id).sort()).toEqual(['a', 'c', 'd', 'f']);
    const human = await cli('search', '--index', dir, '--query', 'glaciers', '--filter', 'lang=fr');
    expect(human.stdout).toBe('no results: no document meets --filter lang="fr"\n');

    for (const [flag, message] of [
      ['lang', /option '--filter <key=value>' argument 'lang' is invalid\. expected key=value, got "lang"/],
      ['=en', /expected key=value, got "=en"/],
      ['tags=["x"]', /"tags": filters compare with one value \(a string, number, boolean or null\), got \["x"\]/],
    ] as const) {
      const refused = await cli('search', '--index', dir, '--query', 'glaciers', '--filter', flag);
      expect(refused.code, flag).toBe(2);
      expect(refused.stderr, flag).toMatch(message);
    }
    const twice = await cli('search', '--index', dir, '--query', 'glaciers', '--filter', 'lang=en', '--filter', 'lang=de');
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/"lang" is given twice; a document has one value per key/);
  });

  it('--queries-file answers each query as a lone --query would, from text lines or BEIR JSONL', async () => {
    const work = tempDir();
    const texts = ['why do glaciers slide over bedrock', 'what makes bread rise', 'public key encryption'];
    const lines = path.join(work, 'queries.txt');
    writeFileSync(lines, `${texts[0]}\n\n${texts[1]}\n${texts[2]}\n`);
    const jsonl = path.join(work, 'queries.jsonl');
    writeFileSync(jsonl, texts.map((text, i) => JSON.stringify({ _id: `q${i}`, text })).join('\n'));
    const single: Hit[][] = [];
    for (const text of texts) single.push((await searchJson('--query', text, '--k', '4', '--mode', 'hybrid')).hits);

    for (const [file, ids] of [
      [lines, ['1', '3', '4']],
      [jsonl, ['q0', 'q1', 'q2']],
    ] as const) {
      const result = await cli('search', '--index', index, '--queries-file', file, '--k', '4', '--mode', 'hybrid', '--json');
      expect(result.code, result.stderr).toBe(0);
      const batch = JSON.parse(result.stdout) as { mode: string; results: { id: string; query: string; hits: Hit[] }[] };
      expect(batch.mode).toBe('hybrid');
      expect(batch.results.map((r) => [r.id, r.query])).toEqual(ids.map((id, i) => [id, texts[i]]));
      expect(batch.results.map((r) => r.hits)).toEqual(single);
    }
    const human = await cli('search', '--index', index, '--queries-file', jsonl, '--k', '2');
    expect(human.stdout).toMatch(/^query q0: why do glaciers slide over bedrock\nrank/);
    expect(human.stdout).toMatch(/\n\nquery q1: what makes bread rise\nrank/);
    const both = await cli('search', '--index', index, '--queries-file', jsonl, '--query', 'x');
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/option '--queries-file <file>' cannot be used with option '--query <text>'/);
  });
});
