import { setCurrentDetails, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import {
  type Deadline,
  externalRefAttribute,
  type Phase,
  phaseAttribute,
  resultIdAttribute,
  type Scenario,
  scenarioAttribute,
  statusQuery,
  type WorkflowStatus,
} from './definitions';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Where a workflow stands, told three ways at once: the {@link statusQuery}, the search
 * attributes and the Web UI's current details. None of them ever carries personal data.
 */
export class Progress {
  readonly #status: Mutable<WorkflowStatus>;

  constructor(scenario: Scenario, externalRef: string, phase: Phase) {
    this.#status = { scenario, phase, externalRef };
    setHandler(statusQuery, () => ({ ...this.#status }));
    upsertSearchAttributes([
      { key: scenarioAttribute, value: scenario },
      { key: externalRefAttribute, value: externalRef },
      { key: phaseAttribute, value: phase },
    ]);
  }

  get phase(): Phase {
    return this.#status.phase;
  }

  /** Moves to `phase`; `details` says, for the Web UI, what the workflow does now. */
  enter(phase: Phase, details: string): void {
    if (phase !== this.#status.phase) {
      this.#status.phase = phase;
      upsertSearchAttributes([{ key: phaseAttribute, value: phase }]);
    }
    delete this.#status.deadline;
    setCurrentDetails(details);
  }

  /** Like {@link enter}, for a phase that waits until `deadline` at the latest. */
  await(phase: Phase, deadline: Deadline, waitingFor: string): void {
    this.enter(phase, `Waiting for ${waitingFor} until ${deadline.at} (${deadline.name} deadline).`);
    this.#status.deadline = deadline;
  }

  /** Records the status BORICA last reported. */
  observe(boricaStatus: string): void {
    this.#status.boricaStatus = boricaStatus;
  }

  /** Makes the workflow findable by BORICA's `resultId`, which is how SIGN_SESSION callbacks reach it. */
  awaitResult(resultId: string): void {
    upsertSearchAttributes([{ key: resultIdAttribute, value: resultId }]);
  }

  countRounds(rounds: number): void {
    this.#status.rounds = rounds;
  }
}
