import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createFileDocumentStore } from '../../activities/document-store';
import { generateKeySpec, parseKeyRing } from '../../codec/keys';
import { workflowIdFor } from '../../workflows/definitions';
import { runCli } from '../worker/child-process';
import { completeSignal } from './fixtures/workflows';
import { type Harness, pdf, startHarness } from './support';

const person = { docType: 'EGN', identificatorValue: '7805166742', dateOfBirth: '16-05-1978' };

function mobileInput(externalRef: string) {
  return JSON.stringify({
    externalRef,
    person,
    phoneNumber: '+359888133443',
    email: 'customer@example.bg',
    reason: 'Consumer loan application',
  });
}

describe('borica-flows without a server', () => {
  it('prints help with the exit codes and exits 0', async () => {
    const { code, stdout } = await runCli(['--help']);

    assert.equal(code, 0);
    assert.match(stdout, /Usage: borica-flows/);
    assert.match(stdout, /Exit codes:[\s\S]*5 {2}the Temporal service could not be reached/);
  });

  for (const command of [
    ['mobile', 'start'],
    ['web', 'start'],
    ['sign', 'start'],
    ['onboard', 'sign'],
    ['watch'],
    ['result'],
    ['list'],
    ['documents', 'prune'],
    ['documents', 'delete'],
  ]) {
    it(`prints help for ${command.join(' ')}`, async () => {
      const { code, stdout } = await runCli([...command, '--help']);

      assert.equal(code, 0);
      assert.match(stdout, new RegExp(`Usage: borica-flows ${command.join(' ')}`));
      assert.match(stdout, /Exit codes:/);
    });
  }

  it('exits 2 on an unknown command', async () => {
    const { code, stderr } = await runCli(['identify']);

    assert.equal(code, 2);
    assert.match(stderr, /unknown command/);
  });

  it('exits 2 on invalid input, naming the fields and never the values', async () => {
    const { code, stderr } = await runCli([
      'mobile',
      'start',
      '--external-ref',
      'loan 42',
      '--identifier',
      '7805166743',
      '--date-of-birth',
      '16-05-1978',
      '--phone',
      '0888133443',
      '--email',
      'customer@example.bg',
      '--reason',
      'Loan',
    ]);

    assert.equal(code, 2);
    assert.match(stderr, /externalRef:/);
    assert.match(stderr, /person\.identificatorValue:/);
    assert.match(stderr, /phoneNumber:/);
    assert.doesNotMatch(stderr, /7805166743|0888133443|loan 42/);
  });

  it('exits 2 when the input file is not JSON, without quoting it', async () => {
    const { code, stderr } = await runCli(['mobile', 'start', '--input', '-'], {}, 'EGN 7805166742');

    assert.equal(code, 2);
    assert.match(stderr, /--input/);
    assert.doesNotMatch(stderr, /7805166742/);
  });

  it('exits 2 when a PDF to sign is not a PDF', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'borica-flows-cli-'));
    try {
      await writeFile(join(dir, 'notes.pdf'), 'plain text');
      const { code, stderr } = await runCli([
        'sign',
        'start',
        join(dir, 'notes.pdf'),
        '--external-ref',
        'sign-1',
        '--identifier',
        'abc',
        '--sign-session-id',
        'def',
        '--success-url',
        'https://bank.example/ok',
        '--cancel-url',
        'https://bank.example/cancel',
      ]);

      assert.equal(code, 2);
      assert.match(stderr, /documents\.0\.content: expected a PDF/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 naming the variable when the encryption keys are not configured', async () => {
    const { code, stderr } = await runCli(['list']);

    assert.equal(code, 2);
    assert.match(stderr, /PAYLOAD_ENCRYPTION_KEYS is not set/);
  });

  it('exits 5 when Temporal cannot be reached', async () => {
    const { code, stderr } = await runCli(['list'], {
      TEMPORAL_ADDRESS: '127.0.0.1:1',
      PAYLOAD_ENCRYPTION_KEYS: generateKeySpec('test'),
    });

    assert.equal(code, 5);
    assert.match(stderr, /TEMPORAL_ADDRESS/);
  });

  it('prunes and deletes documents with nothing but DOCUMENT_STORE_DIR set', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'borica-flows-cli-documents-'));
    try {
      const keys = parseKeyRing(generateKeySpec('cli'));
      const store = createFileDocumentStore({ dir, keys });
      const old = await store.put(Buffer.from('%PDF old'));
      const recent = await store.put(Buffer.from('%PDF recent'));
      const twoMonthsAgo = new Date(Date.now() - 60 * 24 * 60 * 60 * 1000);
      await utimes(join(dir, old.id), twoMonthsAgo, twoMonthsAgo);
      const env = { DOCUMENT_STORE_DIR: dir };

      const pruned = await runCli(['--json', 'documents', 'prune', '--older-than', '30'], env);
      assert.equal(pruned.code, 0, pruned.stderr);
      assert.deepEqual(
        { ...JSON.parse(pruned.stdout), storedBefore: undefined },
        { storedBefore: undefined, deleted: 1, kept: 1 },
      );

      assert.equal((await runCli(['documents', 'delete', recent.id], env)).code, 0);
      const again = await runCli(['documents', 'delete', recent.id], env);
      assert.equal(again.code, 4);
      assert.match(again.stderr, /no document with this id/);
      assert.deepEqual(await readdir(dir), []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 when the age to prune is not a positive number of days, or the store is not configured', async () => {
    const negative = await runCli(['documents', 'prune', '--older-than', '-3'], {
      DOCUMENT_STORE_DIR: tmpdir(),
    });
    assert.equal(negative.code, 2);
    assert.match(negative.stderr, /positive number of days/);

    const unconfigured = await runCli(['documents', 'prune', '--older-than', '30']);
    assert.equal(unconfigured.code, 2);
    assert.match(unconfigured.stderr, /DOCUMENT_STORE_DIR is not set/);
  });
});

describe('borica-flows against a Temporal dev server', () => {
  let harness: Harness;
  let env: NodeJS.ProcessEnv;
  let saveDir: string;

  before(async () => {
    harness = await startHarness();
    saveDir = await mkdtemp(join(tmpdir(), 'borica-flows-saved-'));
    env = {
      TEMPORAL_ADDRESS: harness.address,
      TEMPORAL_NAMESPACE: harness.env.namespace ?? 'default',
      TEMPORAL_TASK_QUEUE: harness.taskQueue,
      PAYLOAD_ENCRYPTION_KEYS: harness.keySpec,
      DOCUMENT_STORE_DIR: harness.documentDir,
    };
  });

  after(async () => {
    await harness?.stop();
    if (saveDir) await rm(saveDir, { recursive: true, force: true });
  });

  it('starts a mobile identification from stdin and prints only its ids', async () => {
    const { code, stdout } = await runCli(
      ['--json', 'mobile', 'start', '--input', '-'],
      env,
      mobileInput('cli-mobile'),
    );

    assert.equal(code, 0);
    const printed = JSON.parse(stdout);
    assert.equal(printed.workflowId, workflowIdFor('mobile-identification', 'cli-mobile'));
    assert.deepEqual(Object.keys(printed).sort(), ['runId', 'workflowId']);
  });

  it('prints the redirect URL of a web identification', async () => {
    const { code, stdout } = await runCli(
      [
        'web',
        'start',
        '--external-ref',
        'cli-web',
        '--reason',
        'Account opening',
        '--success-url',
        'https://bank.example/ok',
        '--cancel-url',
        'https://bank.example/cancel',
      ],
      env,
    );

    assert.equal(code, 0);
    assert.match(stdout, /redirectUrl +https:\/\/id\.example\/session\/1/);
  });

  it('prints the result, saves the certificate it refers to and exits 0 when identified', async () => {
    const workflowId = workflowIdFor('mobile-identification', 'cli-identified');
    await runCli(['mobile', 'start', '--input', '-'], env, mobileInput('cli-identified'));
    const certificate = pdf('eID certificate');
    const ref = await harness.documents.put(certificate);
    await harness.client.workflow.getHandle(workflowId).signal(completeSignal, {
      outcome: 'identified',
      identifier: 'eid-1',
      reason: 'Consumer loan application',
      organisation: 'Bank',
      certificate: ref,
    });

    const { code, stdout } = await runCli(['result', workflowId, '--save-dir', saveDir], env);

    assert.equal(code, 0);
    assert.equal(JSON.parse(stdout).outcome, 'identified');
    assert.deepEqual(await readFile(join(saveDir, 'eid-certificate.pdf')), certificate);
  });

  it('exits 3 when the outcome is not a success, from result and from watch', async () => {
    const workflowId = workflowIdFor('mobile-identification', 'cli-rejected');
    await runCli(['mobile', 'start', '--input', '-'], env, mobileInput('cli-rejected'));
    await harness.client.workflow
      .getHandle(workflowId)
      .signal(completeSignal, { outcome: 'rejected', code: 'REJECTED', message: 'refused by the person' });

    assert.equal((await runCli(['result', workflowId], env)).code, 3);
    const watched = await runCli(['watch', workflowId, '--interval-ms', '200'], env);
    assert.equal(watched.code, 3);
    assert.match(watched.stdout, /status=completed/);
  });

  it('cancels a workflow, after which watch exits 3', async () => {
    const workflowId = workflowIdFor('mobile-identification', 'cli-cancel');
    await runCli(['mobile', 'start', '--input', '-'], env, mobileInput('cli-cancel'));

    assert.equal((await runCli(['cancel', workflowId], env)).code, 0);
    assert.equal((await runCli(['watch', workflowId], env)).code, 3);
    assert.equal((await runCli(['result', workflowId], env)).code, 3);
  });

  it('exits 4 for an unknown workflow id', async () => {
    const { code, stderr } = await runCli(['status', 'mobile-identification:nobody'], env);

    assert.equal(code, 4);
    assert.match(stderr, /No workflow with id/);
  });

  it('lists workflows of one scenario', async () => {
    await runCli(['mobile', 'start', '--input', '-'], env, mobileInput('cli-listed'));

    // Visibility is eventually consistent: ask a few times before concluding.
    let listed: { workflowId: string; scenario: string }[] = [];
    for (
      let attempt = 0;
      attempt < 20 && !listed.some((flow) => flow.workflowId.endsWith(':cli-listed'));
      attempt += 1
    ) {
      const { code, stdout } = await runCli(['--json', 'list', '--scenario', 'mobile-identification'], env);
      assert.equal(code, 0);
      listed = JSON.parse(stdout).flows;
    }

    assert.ok(
      listed.some((flow) => flow.workflowId === workflowIdFor('mobile-identification', 'cli-listed')),
    );
    assert.ok(listed.every((flow) => flow.scenario === 'mobile-identification'));
  });
});
