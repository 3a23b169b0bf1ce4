/**
 * What every benchmark command shares: its flags, the result file and the exit status.
 */
import { loadavg } from 'node:os';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { DEFAULT_RESULTS_DIR, type Machine, machine, round, writeResult } from './report';

/** How big a run is: `full` for the published figures, `quick` for about a minute, `smoke` for the test. */
export type Mode = 'full' | 'quick' | 'smoke';

export interface Target {
  readonly name: string;
  readonly target: string;
  readonly value: number;
  readonly unit: string;
  readonly verdict: 'met' | 'not met';
}

export interface BenchResult {
  readonly benchmark: string;
  readonly mode: Mode;
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly machine: Machine;
  /** 1-minute load average at the start and the end: other work on a shared machine shows here. */
  readonly loadAverage: { readonly start: number; readonly end: number };
  readonly parameters: Record<string, unknown>;
  readonly settings: Record<string, unknown>;
  readonly figures: Record<string, unknown>;
  readonly targets: readonly Target[];
  readonly notes: readonly string[];
}

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Flags {
  readonly mode: Mode;
  readonly resultsDir: string;
  /** Appended to the result file's name, so that runs with other flags keep their own file. */
  readonly label: string | undefined;
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
}

const common = {
  quick: { type: 'boolean' },
  smoke: { type: 'boolean' },
  'results-dir': { type: 'string' },
  label: { type: 'string' },
  help: { type: 'boolean' },
} as const satisfies Options;

/** Parses the command line: the benchmark's own `options` plus `--quick`, `--smoke`, `--results-dir`. */
export function flags(usage: string, options: Options): Flags {
  const parsed = parseArgs({ options: { ...options, ...common }, strict: true, allowPositionals: false });
  const values = parsed.values as Flags['values'];
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const mode: Mode = values.smoke ? 'smoke' : values.quick ? 'quick' : 'full';
  const resultsDir = typeof values['results-dir'] === 'string' ? values['results-dir'] : DEFAULT_RESULTS_DIR;
  const label = typeof values.label === 'string' ? values.label : undefined;
  return { mode, resultsDir, label, values };
}

/** A positive integer flag, or the mode's default. */
export function intFlag(value: unknown, name: string, defaults: Record<Mode, number>, mode: Mode): number {
  if (value === undefined) return defaults[mode];
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new RangeError(`--${name} must be a positive integer`);
  return parsed;
}

export type Measured = Pick<BenchResult, 'parameters' | 'settings' | 'figures' | 'targets' | 'notes'>;

/** The result file's name without `.json`: `<name>`, or `<name>-<label>` for a labelled run. */
export function resultName(name: string, label: string | undefined): string {
  return label ? `${name}-${label}` : name;
}

/** Runs `measure`, writes `<resultsDir>/<name>[-<label>].json` and sets the exit status. */
export async function runBench(
  name: string,
  run: { mode: Mode; resultsDir: string; label?: string | undefined },
  measure: () => Promise<Measured>,
  print: (result: BenchResult) => void,
): Promise<void> {
  const started = Date.now();
  const loadAtStart = round(loadavg()[0] ?? 0);
  try {
    const measured = await measure();
    const result: BenchResult = {
      benchmark: name,
      mode: run.mode,
      startedAt: new Date(started).toISOString(),
      durationSeconds: Math.round((Date.now() - started) / 1000),
      machine: machine(),
      loadAverage: { start: loadAtStart, end: round(loadavg()[0] ?? 0) },
      ...measured,
    };
    print(result);
    printTargets(result.targets);
    const path = await writeResult(run.resultsDir, resultName(name, run.label), result);
    console.log(`\nresult: ${path} (${result.durationSeconds} s)`);
  } catch (error) {
    console.error(`${name} failed:`, error);
    process.exitCode = 1;
  }
}

function printTargets(targets: readonly Target[]): void {
  for (const target of targets) {
    console.log(
      `target ${target.name}: ${target.value} ${target.unit} (target ${target.target}) -> ${target.verdict}`,
    );
  }
}

/** Runs `task` for 0..count-1 with at most `concurrency` at a time. */
export async function pool(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) {
      const index = next;
      next += 1;
      await task(index);
    }
  });
  await Promise.all(lanes);
}
