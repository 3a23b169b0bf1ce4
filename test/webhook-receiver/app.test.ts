import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { callbackTokenFor, callbackUrlFor } from '../../common/callback-token';
import { createLogger } from '../../common/logger';
import { createReceiverApp, type ReceiverDependencies } from '../../webhook-receiver/app';
import type { CallbackSink, Delivery } from '../../webhook-receiver/sink';
import type { CallbackHint } from '../../workflows/definitions';

const SECRET = 'a-callback-secret-that-is-long-enough-0123456789';
const RELYING_PARTY = '24102167';
const IDENTIFICATION = 'web-identification:loan-7781';
const SIGNING = 'otc-signing:loan-7781-contract';

/** Workflows by id, running or closed, and the signals they were sent. */
class FakeSink implements CallbackSink {
  readonly delivered: { workflowId: string; hint: CallbackHint }[] = [];
  readonly running = new Set<string>();
  readonly closed = new Set<string>();
  readonly byResultId = new Map<string, string>();
  healthy = true;
  failing = false;

  async deliver(workflowId: string, hint: CallbackHint): Promise<Delivery> {
    if (this.failing) throw new Error('Temporal is unreachable');
    if (!this.running.has(workflowId)) return 'not-found';
    this.delivered.push({ workflowId, hint });
    return 'delivered';
  }

  async findSigningWorkflow(resultId: string): Promise<string | undefined> {
    const workflowId = this.byResultId.get(resultId);
    return workflowId !== undefined && this.running.has(workflowId) ? workflowId : undefined;
  }

  async ready(): Promise<boolean> {
    return this.healthy;
  }
}

/** The receiver on an ephemeral port, with its log lines collected. */
class Receiver {
  readonly sink = new FakeSink();
  readonly logLines: string[] = [];
  private server?: Server;
  private base = '';

  async start(options: Partial<ReceiverDependencies> = {}): Promise<this> {
    const logger = createLogger('webhook-receiver', { write: (line: string) => this.logLines.push(line) });
    const app = createReceiverApp({
      sink: this.sink,
      secret: SECRET,
      relyingPartyId: RELYING_PARTY,
      logger,
      ...options,
    });
    this.server = app.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    this.server?.close();
  }

  /** The URL BORICA was given for a workflow, on this receiver. */
  callbackUrl(workflowId: string): string {
    return callbackUrlFor(this.base, SECRET, workflowId);
  }

  get logs(): Record<string, unknown>[] {
    return this.logLines.map((line) => JSON.parse(line));
  }

  post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: text,
    });
  }

  get(path: string): Promise<Response> {
    return fetch(`${this.base}${path}`);
  }
}

function callback(processState: string, resultId: number | string, overrides: object = {}) {
  return {
    code: 'OK',
    message: 'The request has been executed successfully.',
    requestId: 315,
    relyingPartyId: 24102167,
    data: {
      processState,
      sessionId: '245ccb3e-5105-4930-8855-b6b46b0edc3d',
      resultId,
      dataMessage: `The request with resultID ${resultId} completed successfully`,
    },
    ...overrides,
  };
}

describe('the webhook receiver', () => {
  let receiver: Receiver;

  before(async () => {
    receiver = await new Receiver().start();
    receiver.sink.running.add(IDENTIFICATION);
  });

  after(() => receiver.stop());

  it('delivers a callback to the workflow in its URL and answers 200', async () => {
    const response = await receiver.post(
      receiver.callbackUrl(IDENTIFICATION),
      callback('PROCESS_IS_FINISHED', '95'),
    );

    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { outcome: 'delivered' });
    assert.deepEqual(receiver.sink.delivered.at(-1), {
      workflowId: IDENTIFICATION,
      hint: {
        processState: 'PROCESS_IS_FINISHED',
        sessionId: '245ccb3e-5105-4930-8855-b6b46b0edc3d',
        resultId: '95',
        requestId: '315',
      },
    });
  });

  it('answers 404 for a workflow that has closed or never existed', async () => {
    receiver.sink.closed.add('web-identification:finished');

    for (const workflowId of ['web-identification:finished', 'web-identification:unknown']) {
      const response = await receiver.post(receiver.callbackUrl(workflowId), callback('ON_BOARDING', 95));
      assert.equal(response.status, 404);
      assert.equal(((await response.json()) as { error: string }).error, 'workflow_not_found');
    }
  });

  describe('the token', () => {
    const deliveredBefore = () => receiver.sink.delivered.length;

    it('rejects a callback whose token does not match', async () => {
      const before = deliveredBefore();
      const url = receiver.callbackUrl(IDENTIFICATION);
      const token = callbackTokenFor(SECRET, IDENTIFICATION);
      const lastChar = token.at(-1) === 'A' ? 'B' : 'A';
      const tampered = [
        `${url.slice(0, -1)}${lastChar}`,
        url.slice(0, -1),
        `${url}A`,
        url.replace(token, callbackTokenFor('another-secret-that-is-long-enough-0123456789', IDENTIFICATION)),
        url.replace(token, 'x'),
      ];

      for (const attempt of tampered) {
        const response = await receiver.post(attempt, callback('PROCESS_IS_FINISHED', 95));
        assert.equal(response.status, 401, attempt);
        assert.equal(((await response.json()) as { error: string }).error, 'invalid_token');
      }
      assert.equal(deliveredBefore(), before);
    });

    it('rejects the token of one workflow used for another', async () => {
      const token = callbackTokenFor(SECRET, 'web-identification:someone-else');
      const url = `${receiver.callbackUrl(IDENTIFICATION).replace(/[^/]+$/, '')}${token}`;

      const response = await receiver.post(url, callback('PROCESS_IS_FINISHED', 95));

      assert.equal(response.status, 401);
    });

    it('refuses before reading the body, so a stranger gets 401 even for garbage', async () => {
      const url = `${receiver.callbackUrl(IDENTIFICATION).replace(/[^/]+$/, '')}forged`;

      const response = await receiver.post(url, '{not json', { 'content-type': 'text/plain' });

      assert.equal(response.status, 401);
    });
  });

  it('answers 400 naming the fields of a body that is not a callback, without their values', async () => {
    const body = callback('NOT_A_STATE', 'ninety-five', { relyingPartyId: undefined });

    const response = await receiver.post(receiver.callbackUrl(IDENTIFICATION), body);

    assert.equal(response.status, 400);
    const problem = (await response.json()) as { error: string; fields: string[]; message: string };
    assert.equal(problem.error, 'invalid_callback');
    assert.deepEqual(problem.fields.sort(), ['data.processState', 'data.resultId', 'relyingPartyId']);
    assert.doesNotMatch(JSON.stringify(problem), /NOT_A_STATE|ninety-five/);
  });

  it('answers 400 for malformed JSON without quoting it', async () => {
    const response = await receiver.post(receiver.callbackUrl(IDENTIFICATION), '{"code": "OK", "secret-ish');

    assert.equal(response.status, 400);
    const text = await response.text();
    assert.equal((JSON.parse(text) as { error: string }).error, 'malformed_json');
    assert.doesNotMatch(text, /secret-ish/);
  });

  it('refuses with 403 a callback for another relying party', async () => {
    const before = receiver.sink.delivered.length;

    const response = await receiver.post(
      receiver.callbackUrl(IDENTIFICATION),
      callback('PROCESS_IS_FINISHED', 95, { relyingPartyId: '99999999' }),
    );

    assert.equal(response.status, 403);
    assert.equal(receiver.sink.delivered.length, before);
  });

  it('accepts the relying party id as a number or a string', async () => {
    const response = await receiver.post(
      receiver.callbackUrl(IDENTIFICATION),
      callback('PROCESS_IS_FINISHED', 95, { relyingPartyId: '24102167' }),
    );

    assert.equal(response.status, 200);
  });

  it('answers 413 to a body over the limit', async () => {
    const body = callback('PROCESS_IS_FINISHED', 95, { message: 'x'.repeat(20_000) });

    const response = await receiver.post(receiver.callbackUrl(IDENTIFICATION), body);

    assert.equal(response.status, 413);
    assert.equal(((await response.json()) as { error: string }).error, 'body_too_large');
  });

  it('answers 503 when the workflow cannot be reached, so BORICA may send it again', async () => {
    receiver.sink.failing = true;
    try {
      const response = await receiver.post(receiver.callbackUrl(IDENTIFICATION), callback('ON_BOARDING', 95));
      assert.equal(response.status, 503);
    } finally {
      receiver.sink.failing = false;
    }
  });

  it('answers JSON 404 for any other route', async () => {
    const response = await receiver.get('/callbacks');

    assert.equal(response.status, 404);
    assert.equal(((await response.json()) as { error: string }).error, 'not_found');
  });

  describe('SIGN_SESSION callbacks', () => {
    it('go to the running workflow whose BoricaResultId matches', async () => {
      receiver.sink.running.add(SIGNING);
      receiver.sink.byResultId.set('109', SIGNING);

      const response = await receiver.post(
        receiver.callbackUrl(IDENTIFICATION),
        callback('SIGN_SESSION', 109),
      );

      assert.equal(response.status, 200);
      assert.equal(receiver.sink.delivered.at(-1)?.workflowId, SIGNING);
    });

    it('reach the signing workflow even after the identification that opened the session closed', async () => {
      receiver.sink.running.add('otc-signing:second');
      receiver.sink.byResultId.set('110', 'otc-signing:second');
      receiver.sink.closed.add('web-identification:done');

      const response = await receiver.post(
        receiver.callbackUrl('web-identification:done'),
        callback('SIGN_SESSION', 110),
      );

      assert.equal(response.status, 200);
      assert.equal(receiver.sink.delivered.at(-1)?.workflowId, 'otc-signing:second');
    });

    it('fall back to the workflow in the URL when no signing workflow has the result id', async () => {
      const onboarding = 'onboard-and-sign:loan-9';
      receiver.sink.running.add(onboarding);

      const response = await receiver.post(receiver.callbackUrl(onboarding), callback('SIGN_SESSION', 111));

      assert.equal(response.status, 200);
      assert.equal(receiver.sink.delivered.at(-1)?.workflowId, onboarding);
    });

    it('answer 404 when neither the signing workflow nor the one in the URL is running', async () => {
      const response = await receiver.post(
        receiver.callbackUrl('web-identification:done'),
        callback('SIGN_SESSION', 112),
      );

      assert.equal(response.status, 404);
    });
  });

  it('routes any other callback by result id once the workflow in the URL has closed', async () => {
    receiver.sink.running.add('otc-signing:refused');
    receiver.sink.byResultId.set('120', 'otc-signing:refused');
    receiver.sink.closed.add('web-identification:long-done');

    const response = await receiver.post(
      receiver.callbackUrl('web-identification:long-done'),
      callback('PROCESS_IS_CANCELED_BY_USER', 120),
    );

    assert.equal(response.status, 200);
    assert.equal(receiver.sink.delivered.at(-1)?.workflowId, 'otc-signing:refused');
  });

  describe('/healthz', () => {
    it('answers 200 while the sink is ready and 503 when it is not', async () => {
      assert.equal((await receiver.get('/healthz')).status, 200);

      receiver.sink.healthy = false;
      try {
        const response = await receiver.get('/healthz');
        assert.equal(response.status, 503);
        assert.deepEqual(await response.json(), { status: 'unavailable' });
      } finally {
        receiver.sink.healthy = true;
      }
    });
  });

  it('logs each callback with workflow id, processState, resultId and outcome', () => {
    const handled = receiver.logs.filter((line) => line.msg === 'callback handled');

    assert.ok(
      handled.some(
        (line) =>
          line.workflowId === IDENTIFICATION &&
          line.processState === 'PROCESS_IS_FINISHED' &&
          line.resultId === '95' &&
          line.outcome === 'delivered',
      ),
    );
    assert.ok(handled.some((line) => line.outcome === 'not-found'));
    assert.ok(receiver.logs.some((line) => line.msg === 'callback refused' && line.outcome === 'bad-token'));
  });

  it('never logs a token, a callback URL, a body or its free text', () => {
    const everything = receiver.logLines.join('\n');
    const tokens = [IDENTIFICATION, 'web-identification:finished', 'web-identification:done'].map((id) =>
      callbackTokenFor(SECRET, id),
    );

    for (const token of tokens) assert.doesNotMatch(everything, new RegExp(token));
    assert.doesNotMatch(everything, /\/callbacks\//);
    assert.doesNotMatch(
      everything,
      /245ccb3e|completed successfully|executed successfully|secret-ish|xxxxxxxx/,
    );
    assert.doesNotMatch(everything, /NOT_A_STATE|ninety-five/);
  });
});

describe('the webhook receiver rate limit', () => {
  let receiver: Receiver;

  before(async () => {
    receiver = await new Receiver().start({ rateLimit: { windowMs: 60_000, limit: 3 } });
    receiver.sink.running.add(IDENTIFICATION);
  });

  after(() => receiver.stop());

  it('answers 429 once a client has used up its requests for the window', async () => {
    const url = receiver.callbackUrl(IDENTIFICATION);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await receiver.post(url, callback('ON_BOARDING', 95))).status);

    assert.deepEqual(statuses, [200, 200, 200, 429]);
  });

  it('counts strangers too, so tokens cannot be guessed at speed', async () => {
    const response = await receiver.post(`${receiver.callbackUrl(IDENTIFICATION)}x`, {});

    assert.equal(response.status, 429);
    assert.equal(((await response.json()) as { error: string }).error, 'rate_limited');
  });
});
