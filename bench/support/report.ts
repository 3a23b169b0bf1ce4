/**
 * Statistics, the machine description and result files shared by every benchmark.
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';

export const DEFAULT_RESULTS_DIR = resolve(__dirname, '..', 'results');

export interface Percentiles {
  readonly count: number;
  readonly min: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** Nearest-rank percentiles; every value rounded to 0.01. */
export function percentiles(values: readonly number[]): Percentiles {
  if (values.length === 0) throw new Error('percentiles of no values: the benchmark collected no samples');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;

  return {
    count: sorted.length,
    min: round(sorted[0] ?? 0),
    p50: round(rank(50)),
    p95: round(rank(95)),
    p99: round(rank(99)),
    max: round(sorted.at(-1) ?? 0),
    mean: round(mean),
  };
}

export interface LinearFit {
  /** y per unit of x. */
  readonly slope: number;
  readonly intercept: number;
  /** Coefficient of determination: 1 is a perfect line. */
  readonly r2: number;
}

/** Least squares. */
export function linearFit(points: readonly { x: number; y: number }[]): LinearFit {
  const n = points.length;
  const mx = points.reduce((sum, p) => sum + p.x, 0) / n;
  const my = points.reduce((sum, p) => sum + p.y, 0) / n;
  const sxy = points.reduce((sum, p) => sum + (p.x - mx) * (p.y - my), 0);
  const sxx = points.reduce((sum, p) => sum + (p.x - mx) ** 2, 0);
  const slope = sxx === 0 ? 0 : sxy / sxx;
  const intercept = my - slope * mx;
  const ssTotal = points.reduce((sum, p) => sum + (p.y - my) ** 2, 0);
  const ssResidual = points.reduce((sum, p) => sum + (p.y - (intercept + slope * p.x)) ** 2, 0);

  return {
    slope: round(slope, 4),
    intercept: round(intercept, 4),
    r2: round(ssTotal === 0 ? 1 : 1 - ssResidual / ssTotal, 4),
  };
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export function mib(bytes: number): number {
  return round(bytes / 1024 / 1024, 1);
}

export interface Machine {
  readonly nproc: number;
  readonly memoryGiB: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly platform: string;
}

export function machine(): Machine {
  return {
    nproc: cpus().length,
    memoryGiB: round(totalmem() / 1024 ** 3, 1),
    cpuModel: cpuModel(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('model name'));
    return line?.split(':')[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  } catch {
    return cpus()[0]?.model ?? 'unknown';
  }
}

/** Writes `<dir>/<name>.json`; returns its path. */
export async function writeResult(dir: string, name: string, result: object): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${name}.json`);
  await writeFile(path, `${JSON.stringify(result, null, 2)}\n`);
  return path;
}

/** Prints rows as an aligned table. */
export function printTable(title: string, rows: readonly (readonly [string, string | number])[]): void {
  const width = Math.max(...rows.map(([label]) => label.length));
  console.log(`\n${title}`);
  console.log('-'.repeat(title.length));
  for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${value}`);
}

/** `met` when `value` is on the right side of `target`. */
export function verdict(value: number, target: number, direction: 'at-least' | 'at-most'): 'met' | 'not met' {
  return (direction === 'at-least' ? value >= target : value <= target) ? 'met' : 'not met';
}
