import { describe, expect, it } from 'vitest';
import { highlightAll, makeSnippet, markSnippet, markStyleFor, queryTerms, truncateSnippet } from '../../src/cli/snippet.js';

const marked = (text: string, query: string, width: number) => markSnippet(makeSnippet(text, queryTerms(query), width), 'brackets');

describe('snippets', () => {
  it('marks the words whose stems the query has, never its stopwords', () => {
    expect(marked('The dough rises   as yeast\nferments.', 'why does dough rise', 80)).toBe('The [dough] [rises] as yeast ferments.');
    expect(markSnippet(highlightAll('Rising bread', queryTerms('the bread will rise')), 'bold')).toBe('\u001b[1mRising\u001b[22m \u001b[1mbread\u001b[22m');
  });

  it('shows the window with the most distinct query terms, cut at words, with ellipses where text was left out', () => {
    const text = `${'filler words here. '.repeat(10)}glaciers carve valleys while ice flows. ${'more filler text. '.repeat(10)}a lone glacier`;
    const snippet = marked(text, 'glacier valley ice', 60);
    expect(snippet).toMatch(/^… .*\[glaciers\] carve \[valleys\] while \[ice\] flows\..* …$/);
    expect(snippet.length).toBeLessThanOrEqual(60 + 2 * '… '.length + '[]'.length * 3);
    // Nothing matches: the start of the text.
    expect(marked('one two three four five', 'zebra', 10)).toBe('one two …');
    expect(marked('short', 'zebra', 10)).toBe('short');
  });

  it('truncates titles without cutting a highlight', () => {
    const title = highlightAll('Glaciers of the Alps and the Andes', queryTerms('andes glaciers'));
    expect(markSnippet(truncateSnippet(title, 20), 'brackets')).toBe('[Glaciers] of the Alp…');
  });

  it('marks in bold only on a terminal that takes colours', () => {
    const saved = { NO_COLOR: process.env.NO_COLOR, TERM: process.env.TERM };
    try {
      delete process.env.NO_COLOR;
      process.env.TERM = 'xterm-256color';
      expect(markStyleFor({ isTTY: true } as NodeJS.WriteStream)).toBe('bold');
      expect(markStyleFor({ isTTY: false } as NodeJS.WriteStream)).toBe('brackets');
      process.env.NO_COLOR = '1';
      expect(markStyleFor({ isTTY: true } as NodeJS.WriteStream)).toBe('brackets');
      delete process.env.NO_COLOR;
      process.env.TERM = 'dumb';
      expect(markStyleFor({ isTTY: true } as NodeJS.WriteStream)).toBe('brackets');
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});
