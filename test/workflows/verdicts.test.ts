import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SignSessionSnapshot, WebIdentificationSnapshot } from '../../activities/types';
import { signingVerdict, webIdentificationVerdict } from '../../workflows/verdicts';

const started: WebIdentificationSnapshot = {
  status: 'START_WEB_SESSION',
  step: 'WEB_IDV_REGISTRATION',
  registrationStatus: 'STARTED',
  reviewStatus: 'N_A',
};

describe('webIdentificationVerdict', () => {
  const cases: [string, Partial<WebIdentificationSnapshot>, ReturnType<typeof webIdentificationVerdict>][] = [
    ['pending while the customer is at it', {}, 'pending'],
    [
      'pending while BORICA issues the certificate',
      { status: 'ISSUED_CERTIFICATE', registrationStatus: 'COMPLETED' },
      'pending',
    ],
    [
      'pending while the sign session id is being made',
      { status: 'CREATE_SIGN_SESSION_REQUEST', step: 'CREATE_SIGN_SESSION_ID' },
      'pending',
    ],
    [
      'identified once the sign session exists',
      { status: 'CREATE_SIGN_SESSION_REQUEST', step: 'SIGN_SESSION_ID_SUCCESSFULLY_CREATED' },
      'identified',
    ],
    [
      'identified when the process is finished',
      { status: 'PROCESS_IS_FINISHED', step: 'START' },
      'identified',
    ],
    [
      'cancelled-by-customer when the customer cancels',
      { status: 'PROCESS_IS_CANCELED_BY_USER' },
      'cancelled-by-customer',
    ],
    [
      'rejected when the registration is rejected',
      { registrationStatus: 'REJECTED', reviewStatus: 'FINALIZE_REJECT' },
      'rejected',
    ],
    ['rejected when the video identification fails', { step: 'WEB_IDV_REGISTRATION_FAILED' }, 'rejected'],
    [
      'denied, not rejected, when an agent denies',
      { registrationStatus: 'REJECTED', reviewStatus: 'DENIED' },
      'denied',
    ],
    [
      'denied even when the video step failed',
      { step: 'WEB_IDV_REGISTRATION_FAILED', reviewStatus: 'DENIED' },
      'denied',
    ],
    ['expired when BORICA expires the registration', { registrationStatus: 'EXPIRED' }, 'expired'],
    [
      'not identified when the registration failed although a sign session was made',
      { status: 'SIGN_SESSION', registrationStatus: 'REJECTED' },
      'rejected',
    ],
  ];

  for (const [name, change, expected] of cases) {
    it(`is ${name}`, () => {
      assert.equal(webIdentificationVerdict({ ...started, ...change }), expected);
    });
  }
});

describe('signingVerdict', () => {
  const cases: [string, SignSessionSnapshot, ReturnType<typeof signingVerdict>][] = [
    ['pending while the customer reads', { status: 'SIGN_SESSION', step: 'START' }, 'pending'],
    [
      'pending while the documents are being signed',
      { status: 'SIGNING_CLIENT_DOCUMENT', step: 'SIGNING_CLIENT_DOCUMENTS' },
      'pending',
    ],
    [
      'signed once the documents are signed',
      { status: 'SIGNED_CLIENT_DOCUMENT', step: 'SIGNING_CLIENT_DOCUMENTS' },
      'signed',
    ],
    [
      'signed when the step says the signing succeeded',
      { status: 'SIGN_SESSION', step: 'SIGNING_WITH_SIGN_SESSION_SUCCESS' },
      'signed',
    ],
    ['refused when the customer cancels', { status: 'PROCESS_IS_CANCELED_BY_USER', step: 'OTP' }, 'refused'],
  ];

  for (const [name, snapshot, expected] of cases) {
    it(`is ${name}`, () => {
      assert.equal(signingVerdict(snapshot), expected);
    });
  }
});
