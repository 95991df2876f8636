// As git, ripgrep and Pyserini do: results (human or --json), tables, help and version on stdout; progress, logs
// and warnings on stderr, so `search ... > hits.txt` keeps the results and `2>/dev/null` keeps only them.

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A line of a command's result, on stdout. */
export function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** A progress or status message, on stderr. */
export function note(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Something the user should act on that does not stop the command, on stderr. */
export function warn(line: string): void {
  process.stderr.write(`warning: ${line}\n`);
}

const ANSI_SGR = /\u001b\[[0-9;]*m/g;

/** Characters a cell takes on screen: without the escape codes that make text bold. */
function visibleLength(cell: string): number {
  return cell.replace(ANSI_SGR, '').length;
}

/** Renders rows as an aligned text table (first row is the header). */
export function table(rows: readonly (readonly string[])[], rightAligned: readonly number[] = []): string {
  return tableLines(rows, rightAligned).join('\n');
}

/** `table`'s lines, one per row. */
export function tableLines(rows: readonly (readonly string[])[], rightAligned: readonly number[] = []): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell))));
  return rows.map((row) =>
    row
      .map((cell, i) => {
        const pad = ' '.repeat(widths[i]! - visibleLength(cell));
        return rightAligned.includes(i) ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd(),
  );
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/** "1.9 MiB of token lists (389 B per document)": the exact-match recovery lists of an index. */
export function describeExactTokenLists(bytes: number, documents: number): string {
  return `${formatBytes(bytes)} of token lists (${(bytes / Math.max(documents, 1)).toFixed(0)} B per document)`;
}
