/**
 * Every benchmark, one after the other, each in its own process (each starts its own dev
 * server): `npm run bench`, or `npm run bench -- --quick` for about a minute each.
 * Flags given here are passed to every benchmark.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_RESULTS_DIR } from './support/report';
import { type BenchResult, resultName } from './support/run';

export const BENCHMARKS = ['throughput', 'scale', 'receiver-overhead', 'large-documents'] as const;

const args = process.argv.slice(2);
const { values } = parseArgs({
  args,
  options: { 'results-dir': { type: 'string' }, label: { type: 'string' } },
  strict: false,
});
const resultsDir = typeof values['results-dir'] === 'string' ? values['results-dir'] : DEFAULT_RESULTS_DIR;
const label = typeof values.label === 'string' ? values.label : undefined;

const failed: string[] = [];
for (const name of BENCHMARKS) {
  console.log(`\n=== ${name} ===`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', resolve(__dirname, `${name}.ts`), ...args], {
    stdio: 'inherit',
  });
  if (run.status !== 0) failed.push(name);
}

console.log('\n=== targets ===');
for (const name of BENCHMARKS.filter((benchmark) => !failed.includes(benchmark))) {
  const result = JSON.parse(
    readFileSync(join(resultsDir, `${resultName(name, label)}.json`), 'utf8'),
  ) as BenchResult;
  for (const target of result.targets) {
    console.log(
      `${name}: ${target.name}: ${target.value} ${target.unit} (target ${target.target}) -> ${target.verdict}`,
    );
  }
}
if (failed.length > 0) {
  console.error(`failed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
