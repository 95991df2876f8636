/** stdout carries only machine-readable output; humans read stderr (DESIGN.md conventions). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function say(line = ''): void {
  process.stderr.write(`${line}\n`);
}

/** Renders rows as an aligned text table (first row is the header). */
export function table(rows: readonly (readonly string[])[], rightAligned: readonly number[] = []): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) =>
      row.map((cell, i) => (rightAligned.includes(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd(),
    )
    .join('\n');
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
