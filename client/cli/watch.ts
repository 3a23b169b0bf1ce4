import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowStatus } from '../../workflows/definitions';
import type { BoricaFlows, FlowSummary } from '../index';
import { ExitCode, exitCodeForError, exitCodeForResult } from './exit-codes';
import type { Streams } from './output';

/** What one poll saw: visibility's summary and, while running, the workflow's own status. */
export interface Snapshot {
  readonly summary: FlowSummary;
  readonly status?: WorkflowStatus;
  /** Set when the workflow is running but no worker answered the status query. */
  readonly statusUnavailable?: boolean;
}

export interface WatchOptions {
  readonly intervalMs: number;
  /** Redraw in place with ANSI escapes; otherwise print a line per change. */
  readonly tty: boolean;
  readonly now?: () => Date;
}

const ESC = '\u001b[';

/**
 * Follows a workflow until it ends, then returns the exit code its ending stands for.
 * Visibility (describe) is asked every time, the workflow's status query while it runs.
 */
export async function watch(
  flows: BoricaFlows,
  workflowId: string,
  streams: Streams,
  options: WatchOptions,
): Promise<ExitCode> {
  const now = options.now ?? (() => new Date());
  const display = options.tty ? redrawing(streams) : appending(streams);

  for (;;) {
    const snapshot = await poll(flows, workflowId, options.intervalMs);
    display(snapshot, now());
    if (snapshot.summary.status !== 'RUNNING')
      return await ending(flows, workflowId, snapshot.summary, streams);

    await sleep(options.intervalMs);
  }
}

async function poll(flows: BoricaFlows, workflowId: string, timeoutMs: number): Promise<Snapshot> {
  const summary = await flows.describe(workflowId);
  if (summary.status !== 'RUNNING') return { summary };

  try {
    return { summary, status: await flows.status(workflowId, { timeoutMs: Math.max(timeoutMs, 2_000) }) };
  } catch {
    // No worker answered in time; visibility alone still says where the workflow stands.
    return { summary, statusUnavailable: true };
  }
}

async function ending(
  flows: BoricaFlows,
  workflowId: string,
  summary: FlowSummary,
  streams: Streams,
): Promise<ExitCode> {
  if (summary.status !== 'COMPLETED') {
    streams.err.write(`Workflow ended: ${summary.status.toLowerCase()}\n`);
    return summary.status === 'CANCELLED' || summary.status === 'TIMED_OUT'
      ? ExitCode.unsuccessful
      : ExitCode.unexpected;
  }
  try {
    const code = exitCodeForResult(await flows.result(workflowId));
    streams.err.write(
      `Workflow ended: ${code === ExitCode.ok ? 'success' : 'not successful'} (see \`borica-flows result ${workflowId}\`)\n`,
    );
    return code;
  } catch (error) {
    return exitCodeForError(error);
  }
}

/** The lines of the in-place display. */
export function renderSnapshot(snapshot: Snapshot, now: Date): string[] {
  const { summary, status } = snapshot;
  const phase = status?.phase ?? summary.phase ?? 'unknown';
  const borica = status?.boricaStatus ? `  (BORICA: ${status.boricaStatus})` : '';
  const lines = [
    summary.workflowId,
    `  phase     ${phase}${borica}`,
    `  status    ${summary.status.toLowerCase()}, for ${duration((summary.closedAt ?? now).getTime() - summary.startedAt.getTime())}`,
  ];
  if (status?.deadline) {
    const left = new Date(status.deadline.at).getTime() - now.getTime();
    lines.push(
      `  deadline  ${status.deadline.name} at ${status.deadline.at} (${left > 0 ? `in ${duration(left)}` : 'passed'})`,
    );
  }
  if (status?.rounds !== undefined) lines.push(`  rounds    ${status.rounds} signed`);
  if (snapshot.statusUnavailable)
    lines.push('  (no worker answered the status query; showing visibility only)');
  return lines;
}

/** The one line printed per change when stdout is not a terminal. */
export function describeSnapshot(snapshot: Snapshot): string {
  const { summary, status } = snapshot;
  const fields = [
    `status=${summary.status.toLowerCase()}`,
    `phase=${status?.phase ?? summary.phase ?? 'unknown'}`,
    status?.boricaStatus ? `borica=${status.boricaStatus}` : undefined,
    status?.deadline ? `deadline=${status.deadline.name}@${status.deadline.at}` : undefined,
    status?.rounds !== undefined ? `rounds=${status.rounds}` : undefined,
  ];
  return fields.filter(Boolean).join(' ');
}

function redrawing(streams: Streams) {
  let drawn = 0;
  return (snapshot: Snapshot, now: Date) => {
    const lines = renderSnapshot(snapshot, now);
    const up = drawn > 0 ? `${ESC}${drawn}A` : '';
    streams.out.write(`${up}\r${ESC}J${lines.join('\n')}\n`);
    drawn = lines.length;
  };
}

function appending(streams: Streams) {
  let last = '';
  return (snapshot: Snapshot, now: Date) => {
    const line = describeSnapshot(snapshot);
    if (line === last) return;
    streams.out.write(`${now.toISOString()} ${snapshot.summary.workflowId} ${line}\n`);
    last = line;
  };
}

function duration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}
