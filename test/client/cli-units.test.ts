import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ExitCode, exitCodeForError, exitCodeForResult } from '../../client/cli/exit-codes';
import { documentsOf } from '../../client/cli/follow-commands';
import { describeSnapshot, renderSnapshot, type Snapshot } from '../../client/cli/watch';
import {
  FlowClosedError,
  FlowFailedError,
  FlowNotFoundError,
  InputError,
  RequestRefusedError,
  TemporalUnavailableError,
} from '../../client/errors';
import type { AnyFlowResult } from '../../client/index';

const ref = (id: string) => ({ id, sha256: '0'.repeat(64), size: 10 });

describe('exit codes', () => {
  const errors: [string, unknown, ExitCode][] = [
    ['invalid input', new InputError([{ field: 'email', expected: 'expected an e-mail address' }]), 2],
    ['an unknown workflow', new FlowNotFoundError('x'), 4],
    ['an unreachable Temporal', new TemporalUnavailableError('localhost:7233'), 5],
    ['a workflow that has already ended', new FlowClosedError('x'), 3],
    ['a refused request', new RequestRefusedError('x', 'the update', 'not identified'), 3],
    ['a cancelled workflow', new FlowFailedError('x', 'cancelled'), 3],
    ['a failed workflow', new FlowFailedError('x', 'failed'), 1],
    ['anything else', new Error('boom'), 1],
  ];
  for (const [name, error, code] of errors) {
    it(`exits ${code} for ${name}`, () => assert.equal(exitCodeForError(error), code));
  }

  const results: [string, AnyFlowResult, ExitCode][] = [
    [
      'an identification',
      { outcome: 'identified', identifier: 'i', reason: 'r', organisation: 'o', certificate: ref('c') },
      0,
    ],
    ['a signing', { outcome: 'signed', documents: [], signSessionId: 's', signSessionExpiresAt: 'e' }, 0],
    ['a rejection', { outcome: 'rejected', code: 'REJECTED', message: 'no' }, 3],
    ['a refusal to sign', { outcome: 'refused' }, 3],
    [
      'an onboarding whose rounds were all signed',
      {
        identification: {
          outcome: 'identified',
          clientIdentifier: 'c',
          signSessionId: 's',
          signSessionExpiresAt: 'e',
          certificate: ref('c'),
        },
        rounds: [{ outcome: 'signed', documents: [], signSessionId: 's', signSessionExpiresAt: 'e' }],
        ended: 'finished',
      },
      0,
    ],
    [
      'an onboarding with a refused round',
      {
        identification: {
          outcome: 'identified',
          clientIdentifier: 'c',
          signSessionId: 's',
          signSessionExpiresAt: 'e',
          certificate: ref('c'),
        },
        rounds: [{ outcome: 'refused' }],
        ended: 'finished',
      },
      3,
    ],
    [
      'an onboarding whose identification failed',
      { identification: { outcome: 'denied' }, rounds: [], ended: 'identification-failed' },
      3,
    ],
  ];
  for (const [name, result, code] of results) {
    it(`exits ${code} for ${name}`, () => assert.equal(exitCodeForResult(result), code));
  }
});

describe('documents a result refers to', () => {
  it('names the certificate and each round’s signed documents', () => {
    const names = documentsOf({
      identification: {
        outcome: 'identified',
        clientIdentifier: 'c',
        signSessionId: 's',
        signSessionExpiresAt: 'e',
        certificate: ref('cert'),
      },
      rounds: [
        {
          outcome: 'signed',
          documents: [{ fileName: 'contract.pdf', document: ref('doc') }],
          signSessionId: 's',
          signSessionExpiresAt: 'e',
        },
      ],
      ended: 'finished',
    }).map(({ name, ref }) => `${name}=${ref.id}`);

    assert.deepEqual(names, ['eid-certificate.pdf=cert', 'round-1-contract.pdf=doc']);
  });
});

describe('watch display', () => {
  const snapshot: Snapshot = {
    summary: {
      workflowId: 'web-identification:loan-42',
      runId: 'r',
      status: 'RUNNING',
      phase: 'requesting',
      startedAt: new Date('2030-01-01T10:00:00Z'),
    },
    status: {
      scenario: 'web-identification',
      phase: 'awaiting-customer',
      externalRef: 'loan-42',
      boricaStatus: 'ON_BOARDING',
      deadline: { name: 'registration', at: '2030-01-01T11:00:00Z' },
    },
  };

  it('shows the phase the workflow reports, its BORICA status and the time left to the deadline', () => {
    assert.deepEqual(renderSnapshot(snapshot, new Date('2030-01-01T10:15:30Z')), [
      'web-identification:loan-42',
      '  phase     awaiting-customer  (BORICA: ON_BOARDING)',
      '  status    running, for 15m 30s',
      '  deadline  registration at 2030-01-01T11:00:00Z (in 44m 30s)',
    ]);
  });

  it('falls back to the phase visibility shows when no worker answers', () => {
    const lines = renderSnapshot(
      { summary: snapshot.summary, statusUnavailable: true },
      new Date('2030-01-01T10:00:05Z'),
    );
    assert.equal(lines[1], '  phase     requesting');
    assert.match(lines.at(-1) ?? '', /no worker answered/);
  });

  it('describes a snapshot on one line for logs', () => {
    assert.equal(
      describeSnapshot(snapshot),
      'status=running phase=awaiting-customer borica=ON_BOARDING deadline=registration@2030-01-01T11:00:00Z',
    );
  });
});
