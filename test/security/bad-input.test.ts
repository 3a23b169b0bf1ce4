/**
 * Malformed input at both doors of the product: the client library a business service calls,
 * and the receiver BORICA (or a stranger) posts callbacks to. Each is refused with an error
 * that names the field (the client's InputError.field; the receiver's status and JSON error),
 * no workflow starts, nothing is stored, and the personal data the inputs carried reaches no
 * error message and no log line.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { FlowNotFoundError, InputError, type Scenario, workflowIdFor } from '../../client';
import { callbackTokenFor } from '../../common/callback-token';
import { documentUpload, urls } from '../integration/helpers';
import { assertNoMarkers, egnFor, type Marker, PDF_MARKERS, personMarkers } from '../support/personal-data';
import { type Stack, startStack } from '../support/stack';

const dateOfBirth = '14-02-1949';
const egn = egnFor(dateOfBirth, 613);
const phone = '+359894173625';
const email = 'bad.input.marker.5521@marker-mail.test';
const personal = personMarkers('customer', { identificatorValue: egn, dateOfBirth, phone, email });
// Error messages may describe a PDF ("it starts with %PDF-"); only logs must hold none.
const markers: Marker[] = [...personal, ...PDF_MARKERS];

const person = { docType: 'EGN', identificatorValue: egn, dateOfBirth } as const;
const mobile = {
  externalRef: 'bad-mobile',
  person,
  phoneNumber: phone,
  email,
  reason: 'bad input: mobile',
};
const web = { externalRef: 'bad-web', reason: 'bad input: web', ...urls };

type Row = readonly [behaviour: string, change: Record<string, unknown>, field: string];

const mobileRows: Row[] = [
  [
    'an EGN with a wrong check digit',
    { person: { ...person, identificatorValue: wrongCheckDigit(egn) } },
    'person.identificatorValue',
  ],
  [
    'an EGN that encodes another birth date',
    { person: { ...person, dateOfBirth: '15-02-1949' } },
    'person.identificatorValue',
  ],
  ['a birth date in ISO form', { person: { ...person, dateOfBirth: '1949-02-14' } }, 'person.dateOfBirth'],
  ['an unknown document type', { person: { ...person, docType: 'SSN' } }, 'person.docType'],
  ['a phone number without its country code', { phoneNumber: phone.replace('+359', '0') }, 'phoneNumber'],
  ['a phone number given as a number', { phoneNumber: Number(phone.slice(1)) }, 'phoneNumber'],
  ['an e-mail address without a domain', { email: email.slice(0, email.indexOf('@') + 1) }, 'email'],
  ['a field the input does not have', { nationalId: egn }, 'nationalId'],
  ['an external reference with a slash', { externalRef: 'bad/mobile' }, 'externalRef'],
  ['a poll interval under a second', { pollIntervalMs: 10 }, 'pollIntervalMs'],
  ['no person', { person: undefined }, 'person'],
];

const webRows: Row[] = [
  ['a success URL that is not http or https', { successUrl: 'javascript:alert(1)' }, 'successUrl'],
  ['no cancel URL', { cancelUrl: undefined }, 'cancelUrl'],
  ['a blank reason', { reason: '   ' }, 'reason'],
  ['a reason over 512 characters', { reason: 'r'.repeat(513) }, 'reason'],
  ['an unsupported language', { language: 'de' }, 'language'],
  ['a status poll under 10 s', { statusPollIntervalMs: 1000 }, 'statusPollIntervalMs'],
  ['a flag given as a string', { verifyEmailAddress: 'yes' }, 'verifyEmailAddress'],
  ['personal data in a field the input does not have', { email }, 'email'],
];

describe('malformed input', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack({ sandbox: { timings: { callbackRetryDelayMs: 50 } } });
  });

  after(async () => {
    await stack?.close();
  });

  describe('startMobileIdentification', () => {
    for (const [behaviour, change, field] of mobileRows) {
      it(`refuses ${behaviour}, naming ${field}`, async () => {
        await assertInputError(() => stack.flows.startMobileIdentification(changed(mobile, change)), field);
      });
    }
  });

  describe('startWebIdentification', () => {
    for (const [behaviour, change, field] of webRows) {
      it(`refuses ${behaviour}, naming ${field}`, async () => {
        await assertInputError(() => stack.flows.startWebIdentification(changed(web, change)), field);
      });
    }
  });

  describe('startOnboardAndSign', () => {
    for (const [behaviour, change, field] of webRows) {
      it(`refuses ${behaviour}, naming ${field}`, async () => {
        const input = changed({ ...web, externalRef: 'bad-onboard' }, change);
        await assertInputError(() => stack.flows.startOnboardAndSign(input), field);
      });
    }
  });

  describe('requestSignatures', () => {
    const rows: readonly [string, (request: SignatureRequest) => unknown, string][] = [
      ['no documents', (request) => ({ ...request, documents: [] }), 'documents'],
      [
        '21 documents',
        (request) => ({ ...request, documents: Array(21).fill(request.documents[0]) }),
        'documents',
      ],
      [
        'a document that is not a PDF',
        (request) => withDocument(request, { content: Buffer.from(`EGN ${egn}`) }),
        'documents.0.content',
      ],
      [
        'a document in broken base64',
        (request) => withDocument(request, { content: `${egn}%%` }),
        'documents.0.content',
      ],
      [
        'a document without a file name',
        (request) => withDocument(request, { fileName: undefined }),
        'documents.0.fileName',
      ],
      [
        'a signature on page 0',
        (request) =>
          withDocument(request, {
            signaturePosition: {
              pageNumber: 0,
              imageXAxis: 0,
              imageYAxis: 0,
              imageWidth: 10,
              imageHeight: 10,
            },
          }),
        'documents.0.signaturePosition.pageNumber',
      ],
      ['an identifier with spaces', (request) => ({ ...request, identifier: 'not an id' }), 'identifier'],
      ['no sign session id', (request) => changed(request, { signSessionId: undefined }), 'signSessionId'],
      [
        'an EGN where the identifier goes',
        (request) => ({ ...request, unknownCustomer: egn }),
        'unknownCustomer',
      ],
    ];

    for (const [behaviour, change, field] of rows) {
      it(`refuses ${behaviour}, naming ${field}`, async () => {
        const request = change(await signatureRequest());
        await assertInputError(() => stack.flows.requestSignatures(request as SignatureRequest), field);
      });
    }
  });

  describe('requestOnboardingSignatures', () => {
    const workflowId = workflowIdFor('onboard-and-sign', 'bad-onboard-round');
    const rows: readonly [string, string, (round: SigningRound) => unknown, string][] = [
      ['an empty workflow id', '', (round) => round, 'workflowId'],
      ['no documents', workflowId, (round) => changed(round, { documents: undefined }), 'documents'],
      [
        'a round reference with spaces',
        workflowId,
        (round) => ({ ...round, roundRef: 'round one' }),
        'roundRef',
      ],
      [
        'a document that is not a PDF',
        workflowId,
        (round) => withDocument(round, { content: Buffer.from(email) }),
        'documents.0.content',
      ],
      ['no success URL', workflowId, (round) => changed(round, { successUrl: undefined }), 'successUrl'],
    ];

    for (const [behaviour, id, change, field] of rows) {
      it(`refuses ${behaviour}, naming ${field}`, async () => {
        const round = change({ ...urls, documents: [await documentUpload('Bad round')] });
        await assertInputError(
          () => stack.flows.requestOnboardingSignatures(id, round as SigningRound),
          field,
        );
      });
    }
  });

  describe('the callback receiver', () => {
    const workflowId = workflowIdFor('web-identification', 'bad-receiver');
    const token = () => callbackTokenFor(stack.env.CALLBACK_SECRET ?? '', workflowId);
    const body = (change: Record<string, unknown> = {}, data: Record<string, unknown> = {}) =>
      JSON.stringify({
        code: 'OK',
        message: `about ${email}`,
        requestId: 17,
        relyingPartyId: Number(stack.sandbox.relyingPartyId),
        ...change,
        data: {
          processState: 'CREATE_SIGN_SESSION_REQUEST',
          sessionId: 'session-1',
          resultId: '12345',
          dataMessage: `EGN ${egn}, born ${dateOfBirth}, phone ${phone}`,
          ...data,
        },
      });

    it('answers 401 invalid_token to a token that was never issued', async () => {
      const response = await post(stack, workflowId, 'A'.repeat(43), body());
      await assertProblem(response, 401, 'invalid_token');
    });

    it("answers 401 invalid_token to another workflow's token", async () => {
      const other = callbackTokenFor(
        stack.env.CALLBACK_SECRET ?? '',
        workflowIdFor('web-identification', 'other'),
      );
      await assertProblem(await post(stack, workflowId, other, body()), 401, 'invalid_token');
    });

    it('answers 400 malformed_json to a body that is not JSON', async () => {
      const response = await post(stack, workflowId, token(), `{"code":"OK","data":{"dataMessage":"${egn}"`);
      await assertProblem(response, 400, 'malformed_json');
    });

    it('answers 400 invalid_callback naming the fields of the wrong types', async () => {
      const response = await post(
        stack,
        workflowId,
        token(),
        body({ code: 7, requestId: 'seventeen' }, { processState: 'NOT_A_STATE', resultId: true }),
      );
      const problem = await assertProblem(response, 400, 'invalid_callback');
      for (const field of ['code', 'requestId', 'data.processState', 'data.resultId']) {
        assert.ok(problem.fields?.includes(field), `the answer names ${field}`);
        assert.ok(problem.message.includes(field), `the message names ${field}`);
      }
    });

    it('answers 413 body_too_large to a body over the limit', async () => {
      const huge = body({}, { dataMessage: `${egn} ${phone} `.repeat(1200) });
      await assertProblem(await post(stack, workflowId, token(), huge), 413, 'body_too_large');
    });

    it('answers 403 wrong_relying_party to a callback for another relying party', async () => {
      const response = await post(stack, workflowId, token(), body({ relyingPartyId: 99999999 }));
      await assertProblem(response, 403, 'wrong_relying_party');
    });

    it('answers 404 workflow_not_found to a well-formed callback for a workflow that does not exist', async () => {
      await assertProblem(await post(stack, workflowId, token(), body()), 404, 'workflow_not_found');
    });

    it('answers 404 workflow_not_found to a SIGN_SESSION callback no signing waits for', async () => {
      const signSession = body({}, { processState: 'SIGN_SESSION', resultId: 424242 });
      await assertProblem(await post(stack, workflowId, token(), signSession), 404, 'workflow_not_found');
    });
  });

  describe('after all of it', () => {
    it('started no workflow', async () => {
      assert.deepEqual((await stack.flows.list()).flows, []);

      const refs: [Scenario, string][] = [
        ['mobile-identification', 'bad-mobile'],
        ['web-identification', 'bad-web'],
        ['onboard-and-sign', 'bad-onboard'],
        ['otc-signing', 'bad-sign'],
        ['onboard-and-sign', 'bad-onboard-round'],
        ['web-identification', 'bad-receiver'],
      ];
      for (const [scenario, externalRef] of refs) {
        await assert.rejects(stack.flows.describe(workflowIdFor(scenario, externalRef)), FlowNotFoundError);
      }
    });

    it('stored no document', async () => {
      assert.deepEqual(await readdir(stack.documentsDir).catch(() => []), []);
    });

    it('logged none of the personal data it was given', () => {
      assert.ok(
        stack.receiverLogs.some((line) => line.includes('callback refused')),
        'the refusals were logged',
      );
      assertNoMarkers('the receiver log', stack.receiverLogs.join('\n'), markers);
      assertNoMarkers('the worker log', stack.worker.logs.join('\n'), markers);
      assertNoMarkers('the sandbox log', stack.sandboxLogs.join('\n'), markers);
    });
  });
});

// ---------------------------------------------------------------------------------------------

type SignatureRequest = Parameters<Stack['flows']['requestSignatures']>[0];
type SigningRound = Parameters<Stack['flows']['requestOnboardingSignatures']>[1];

async function signatureRequest(): Promise<SignatureRequest> {
  return {
    externalRef: 'bad-sign',
    identifier: 'client-identifier-1',
    signSessionId: 'sign-session-1',
    ...urls,
    documents: [await documentUpload('Bad contract')],
  };
}

/** `input` with `change` applied; an `undefined` in `change` removes the field. */
function changed<T extends object>(input: T, change: Record<string, unknown>): T {
  const result: Record<string, unknown> = { ...input, ...change };
  for (const [key, value] of Object.entries(change)) if (value === undefined) delete result[key];
  return result as T;
}

function withDocument<T extends { documents: readonly object[] }>(
  request: T,
  change: Record<string, unknown>,
): T {
  const [first] = request.documents;
  return { ...request, documents: [changed(first ?? {}, change)] };
}

function wrongCheckDigit(value: string): string {
  return `${value.slice(0, 9)}${(Number(value[9]) + 1) % 10}`;
}

async function assertInputError(call: () => Promise<unknown>, field: string): Promise<void> {
  await assert.rejects(call, (error: unknown) => {
    assert.ok(error instanceof InputError, `expected an InputError, got ${String(error)}`);
    assert.equal(error.field, field);
    assert.ok(error.message.includes(field), 'the message names the field');
    assertNoMarkers('the error message', `${error.message} ${JSON.stringify(error.issues)}`, personal);
    return true;
  });
}

function post(stack: Stack, workflowId: string, token: string, body: string): Promise<Response> {
  return fetch(`${stack.receiverUrl}/callbacks/${encodeURIComponent(workflowId)}/${token}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
}

interface Problem {
  readonly error: string;
  readonly message: string;
  readonly fields?: readonly string[];
}

async function assertProblem(response: Response, status: number, error: string): Promise<Problem> {
  assert.equal(response.status, status);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  const text = await response.text();
  const problem = JSON.parse(text) as Problem;

  assert.equal(problem.error, error);
  assert.ok(problem.message.length > 0, 'the answer says what is wrong');
  assertNoMarkers('the answer', text, personal);
  return problem;
}
