import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { z } from 'zod';
import {
  callbackBody,
  createRegistrationRequest,
  createRegistrationResponse,
  errorBody,
  identificationProgress,
  identificationRequest,
  identificationResponse,
  identificationResult,
  registrationStatusResponse,
  signedDocumentsResult,
  startSignSessionRequest,
  startSignSessionResponse,
  startWebIdentificationRequest,
  startWebIdentificationResponse,
  webIdentificationResults,
  webIdentificationStatusResponse,
} from '../../borica/schemas';
import guide from './fixtures/guide-examples.json';

/** Path of the first issue, as the client's errors report it. */
function firstIssuePath(schema: z.ZodType, body: unknown): string {
  const parsed = schema.safeParse(body);
  assert.equal(parsed.success, false, 'expected the body to be rejected');
  return parsed.error?.issues[0]?.path.join('.') ?? '';
}

function withData(body: { data: object }, data: object) {
  return { ...body, data: { ...body.data, ...data } };
}

describe('contract schemas against the guide', () => {
  const examples: [string, z.ZodType, unknown][] = [
    ['identification request', identificationRequest, guide.identificationRequest],
    ['identification response', identificationResponse, guide.identificationResponse],
    ['identification progress (206)', identificationProgress, guide.identificationProgress],
    ['identification result (200)', identificationResult, guide.identificationResult],
    ['error 400', errorBody, guide.error400],
    ['error 401', errorBody, guide.error401],
    ['error 404', errorBody, guide.error404],
    ['error 500', errorBody, guide.error500],
    ['rejection with data null', errorBody, guide.errorRejected],
    ['web session start request', startWebIdentificationRequest, guide.startWebIdentificationRequest],
    ['web session start response', startWebIdentificationResponse, guide.startWebIdentificationResponse],
    ['registration request', createRegistrationRequest, guide.createRegistrationRequest],
    ['registration response', createRegistrationResponse, guide.createRegistrationResponse],
    ['identification callback', callbackBody, guide.identificationCallback],
    ['identification result download', webIdentificationResults, guide.webIdentificationResults],
    ['sign session request', startSignSessionRequest, guide.startSignSessionRequest],
    ['sign session response', startSignSessionResponse, guide.startSignSessionResponse],
    ['sign callback', callbackBody, guide.signCallback],
    ['signed documents download', signedDocumentsResult, guide.signedDocumentsResult],
    ['registration status', registrationStatusResponse, guide.registrationStatusResponse],
    ['web identification status', webIdentificationStatusResponse, guide.webIdentificationStatusResponse],
  ];

  for (const [name, schema, body] of examples) {
    it(`accepts the guide's ${name}`, () => {
      const parsed = schema.safeParse(body);
      assert.ok(parsed.success, JSON.stringify(parsed.error?.issues));
    });
  }

  it('carries ids given as numbers or strings as decimal strings', () => {
    const identification = callbackBody.parse(guide.identificationCallback);
    const signing = callbackBody.parse(guide.signCallback);
    const started = startWebIdentificationResponse.parse(guide.startWebIdentificationResponse);

    assert.equal(identification.data.resultId, '95');
    assert.equal(signing.data.resultId, '109');
    assert.equal(signing.relyingPartyId, '24102167');
    assert.equal(started.data.resultId, '95');
  });

  it('reads the registration response bare or wrapped in data', () => {
    const wrapped = createRegistrationResponse.parse({ data: guide.createRegistrationResponse, code: 'OK' });

    assert.equal(wrapped.sessionId, guide.createRegistrationResponse.sessionId);
  });
});

describe('contract schemas against wrong bodies', () => {
  it('refuses an identifier sent as a number, which would lose leading zeros', () => {
    assert.equal(
      firstIssuePath(identificationRequest, guide.identificationRequestAsPrinted),
      'personIdentityData.identificatorValue',
    );
  });

  it('refuses a birth date that is not dd-MM-yyyy or not on the calendar', () => {
    const person = guide.identificationRequest.personIdentityData;
    for (const dateOfBirth of ['1978-05-16', '31-02-1978']) {
      const body = { ...guide.identificationRequest, personIdentityData: { ...person, dateOfBirth } };
      assert.equal(firstIssuePath(identificationRequest, body), 'personIdentityData.dateOfBirth');
    }
  });

  it('refuses a phone number without its country code', () => {
    const body = { ...guide.identificationRequest, phoneNumber: '0888133443' };
    assert.equal(firstIssuePath(identificationRequest, body), 'phoneNumber');
  });

  it('refuses an unknown payer and document type', () => {
    assert.equal(
      firstIssuePath(identificationRequest, { ...guide.identificationRequest, payer: 'CUSTOMER' }),
      'payer',
    );
    const person = { ...guide.identificationRequest.personIdentityData, docType: 'PASSPORT' };
    assert.equal(
      firstIssuePath(identificationRequest, { ...guide.identificationRequest, personIdentityData: person }),
      'personIdentityData.docType',
    );
  });

  it('refuses a callback URL that is not http(s)', () => {
    const body = { ...guide.startWebIdentificationRequest, requestCallbackUrl: 'ftp://example.com/cb' };
    assert.equal(firstIssuePath(startWebIdentificationRequest, body), 'requestCallbackUrl');
  });

  it('refuses a sign session without documents or with a page number of zero', () => {
    assert.equal(
      firstIssuePath(startSignSessionRequest, { ...guide.startSignSessionRequest, documentsForSign: [] }),
      'documentsForSign',
    );

    const [document] = guide.startSignSessionRequest.documentsForSign;
    const atPageZero = { ...document, signaturePosition: { ...document?.signaturePosition, pageNumber: 0 } };
    assert.equal(
      firstIssuePath(startSignSessionRequest, {
        ...guide.startSignSessionRequest,
        documentsForSign: [atPageZero],
      }),
      'documentsForSign.0.signaturePosition.pageNumber',
    );
  });

  it('refuses a document that is not base64', () => {
    const [document] = guide.startSignSessionRequest.documentsForSign;
    const body = {
      ...guide.startSignSessionRequest,
      documentsForSign: [{ ...document, contentAsBase64: 'not base64!' }],
    };
    assert.equal(firstIssuePath(startSignSessionRequest, body), 'documentsForSign.0.contentAsBase64');
  });

  it('refuses a response without its id or with a date lacking an offset', () => {
    assert.equal(
      firstIssuePath(identificationResponse, withData(guide.identificationResponse, { callbackId: '' })),
      'data.callbackId',
    );
    assert.equal(
      firstIssuePath(
        identificationResponse,
        withData(guide.identificationResponse, { validity: '2021-09-14 11:25' }),
      ),
      'data.validity',
    );
  });

  it('refuses a 200 identification result that is not FINISHED', () => {
    assert.equal(
      firstIssuePath(identificationResult, { ...guide.identificationResult, status: 'IN_PROGRESS' }),
      'status',
    );
  });

  it('refuses a status outside the listed values', () => {
    assert.equal(
      firstIssuePath(
        webIdentificationStatusResponse,
        withData(guide.webIdentificationStatusResponse, { status: 'DONE' }),
      ),
      'data.status',
    );
    assert.equal(
      firstIssuePath(registrationStatusResponse, { ...guide.registrationStatusResponse, status: 'string' }),
      'status',
    );
  });

  it('refuses a result id that is not a decimal number', () => {
    const body = withData(guide.signCallback, { resultId: 'abc' });
    assert.equal(firstIssuePath(callbackBody, body), 'data.resultId');
  });

  it('refuses an error body without a code', () => {
    assert.equal(firstIssuePath(errorBody, { message: 'The request is rejected.' }), 'code');
  });
});
