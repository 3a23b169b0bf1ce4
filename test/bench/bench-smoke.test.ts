/**
 * Each benchmark in its smallest mode: it runs to the end and writes a result file with the
 * fields the documentation reads. No figure is checked: timings on a shared machine prove nothing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';

const root = resolve(__dirname, '..', '..');

const expectedFigures: Record<string, string[]> = {
  throughput: ['productCompletionsPerSecond', 'baselineCompletionsPerSecond', 'ratio', 'batches'],
  scale: ['park', 'workerWhileParked', 'callbacks', 'reactionMs', 'completion'],
  'receiver-overhead': ['receiverMs', 'bareSignalMs', 'ratio'],
  'large-documents': ['bySize', 'fit', 'history'],
};

describe('benchmarks in smoke mode', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'borica-bench-smoke-'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs every benchmark and writes a result file with its figures, targets and settings', async () => {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'bench/run-all.ts', '--smoke', '--results-dir', dir, '--label', 'smoke'],
      { cwd: root, encoding: 'utf8' },
    );
    assert.equal(run.status, 0, `run-all exited with ${run.status}:\n${run.stdout}\n${run.stderr}`);
    const summary = run.stdout.slice(run.stdout.indexOf('=== targets ==='));

    for (const [name, figures] of Object.entries(expectedFigures)) {
      const result = JSON.parse(await readFile(join(dir, `${name}-smoke.json`), 'utf8'));
      assert.equal(result.benchmark, name);
      assert.equal(result.mode, 'smoke');
      for (const field of ['machine', 'parameters', 'settings', 'figures', 'targets', 'notes']) {
        assert.ok(field in result, `${name} result has ${field}`);
      }
      for (const figure of figures)
        assert.ok(figure in result.figures, `${name} result has figures.${figure}`);
      assert.ok(Array.isArray(result.targets));
      for (const target of result.targets) {
        assert.ok(
          summary.includes(`${name}: ${target.name}: ${target.value} ${target.unit}`),
          `the summary reports ${name}'s ${target.name} from this run's file`,
        );
      }
    }
  });
});
