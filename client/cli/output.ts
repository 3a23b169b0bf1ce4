/** Where the CLI writes: results to stdout, messages to stderr. */
export interface Streams {
  readonly out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly err: NodeJS.WritableStream;
}

export const processStreams: Streams = { out: process.stdout, err: process.stderr };

/** Prints a flat record as aligned `key  value` lines, or as one JSON object. */
export function printRecord(
  streams: Streams,
  record: Readonly<Record<string, unknown>>,
  json: boolean,
): void {
  if (json) {
    streams.out.write(`${JSON.stringify(record)}\n`);
    return;
  }
  const entries = Object.entries(record).filter(([, value]) => value !== undefined);
  const width = Math.max(...entries.map(([key]) => key.length));
  for (const [key, value] of entries) streams.out.write(`${key.padEnd(width)}  ${String(value)}\n`);
}

/** Prints rows under a header, columns padded to their widest cell. */
export function printTable(
  streams: Streams,
  header: readonly string[],
  rows: readonly (readonly string[])[],
): void {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  streams.out.write(`${line(header)}\n`);
  for (const row of rows) streams.out.write(`${line(row)}\n`);
}

/** Pretty JSON for results: they are read by people as often as by `jq`. */
export function printJson(streams: Streams, value: unknown): void {
  streams.out.write(`${JSON.stringify(value, null, 2)}\n`);
}
