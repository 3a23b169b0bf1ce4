import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../client/errors';
import {
  egnBirthDate,
  isValidEgn,
  isValidLnc,
  parseListFilter,
  parseMobileIdentificationInput,
  parseSignatureRequest,
  parseSigningRound,
  parseWebIdentificationInput,
} from '../../client/validation';

/** Appends the EGN check digit, computed here independently of the code under test. */
function egnWithCheckDigit(prefix: string): string {
  const weights = [2, 4, 8, 5, 10, 9, 7, 3, 6];
  const remainder = weights.reduce((sum, weight, index) => sum + weight * Number(prefix[index]), 0) % 11;
  return `${prefix}${remainder === 10 ? 0 : remainder}`;
}

const validEgns = [
  { egn: '7805166742', dateOfBirth: '16-05-1978', note: 'the example of BORICA’s integration guide' },
  { egn: '0541031235', dateOfBirth: '03-01-2005', note: 'born in the 2000s (month + 40)' },
  { egn: '9932314568', dateOfBirth: '31-12-1899', note: 'born in the 1800s (month + 20)' },
  { egn: '0042290079', dateOfBirth: '29-02-2000', note: 'a leap day' },
  { egn: '8501010080', dateOfBirth: '01-01-1985', note: 'a remainder of 10 (check digit 0)' },
];

const invalidEgns = [
  { egn: '7805166743', note: 'a wrong check digit' },
  { egn: '780516674', note: 'nine digits' },
  { egn: '78051667421', note: 'eleven digits' },
  { egn: '78O5166742', note: 'a letter O for a zero' },
  { egn: ' 7805166742', note: 'a leading space' },
  { egn: '7805-16674', note: 'a dash' },
  { egn: egnWithCheckDigit('781316000'), note: 'month 13' },
  { egn: egnWithCheckDigit('785516000'), note: 'month 55' },
  { egn: egnWithCheckDigit('780230000'), note: '30 February' },
  { egn: egnWithCheckDigit('014229000'), note: '29 February of a year that is not a leap year' },
  { egn: egnWithCheckDigit('780500000'), note: 'day 0' },
];

const validLncs = ['1000000001', '1234567893', '9876543217'];
const invalidLncs = ['1234567890', '123456789', '12345678931', 'abcdefghij', '123456789O'];

const person = { docType: 'EGN', identificatorValue: '7805166742', dateOfBirth: '16-05-1978' } as const;

function mobile(overrides: Record<string, unknown> = {}) {
  return {
    externalRef: 'loan-2024_01.a',
    person,
    phoneNumber: '+359888133443',
    email: 'customer@example.bg',
    reason: 'Consumer loan application',
    ...overrides,
  };
}

function web(overrides: Record<string, unknown> = {}) {
  return {
    externalRef: 'web-1',
    reason: 'Account opening',
    successUrl: 'https://bank.example/ok',
    cancelUrl: 'http://localhost:8080/cancel',
    ...overrides,
  };
}

const pdfBytes = Buffer.from('%PDF-1.7\n%%EOF\n');

function document(overrides: Record<string, unknown> = {}) {
  return { content: pdfBytes, fileName: 'contract.pdf', legalFileName: 'Loan contract', ...overrides };
}

function signing(overrides: Record<string, unknown> = {}) {
  return {
    externalRef: 'sign-1',
    identifier: 'bf821d16f6e0dd070a6a0035e524285c78ab59d7c8d03622f43088ba0e5ea30c',
    signSessionId: '43c1cd77-a2bc-42c7-9c6d-96e3dc2ebd71',
    documents: [document()],
    successUrl: 'https://bank.example/ok',
    cancelUrl: 'https://bank.example/cancel',
    ...overrides,
  };
}

/** Asserts an InputError on `field` whose message names the field and never the value. */
function assertRejected(parse: () => unknown, field: string, value?: unknown): void {
  assert.throws(parse, (error: unknown) => {
    assert.ok(error instanceof InputError, `expected an InputError, got ${String(error)}`);
    assert.equal(error.field, field);
    assert.ok(error.message.includes(field), `message should name ${field}: ${error.message}`);
    if (typeof value === 'string' && value.trim().length >= 3) {
      assert.ok(
        !error.message.includes(value.trim()),
        `message must not contain the value: ${error.message}`,
      );
    }
    return true;
  });
}

describe('EGN', () => {
  for (const { egn, dateOfBirth, note } of validEgns) {
    it(`accepts ${egn}: ${note}`, () => {
      assert.equal(isValidEgn(egn), true);
      assert.equal(egnBirthDate(egn), dateOfBirth);
      const parsed = parseMobileIdentificationInput(
        mobile({ person: { ...person, identificatorValue: egn, dateOfBirth } }),
      );
      assert.equal(parsed.person.identificatorValue, egn);
    });
  }

  for (const { egn, note } of invalidEgns) {
    it(`rejects an EGN with ${note}`, () => {
      assert.equal(isValidEgn(egn), false);
      assertRejected(
        () => parseMobileIdentificationInput(mobile({ person: { ...person, identificatorValue: egn } })),
        'person.identificatorValue',
        egn,
      );
    });
  }

  it('rejects an EGN whose birth date differs from dateOfBirth', () => {
    assertRejected(
      () => parseMobileIdentificationInput(mobile({ person: { ...person, dateOfBirth: '17-05-1978' } })),
      'person.identificatorValue',
      '7805166742',
    );
  });

  it('rejects an EGN given as a number, which would lose a leading zero', () => {
    assertRejected(
      () => parseMobileIdentificationInput(mobile({ person: { ...person, identificatorValue: 7805166742 } })),
      'person.identificatorValue',
    );
  });
});

describe('LNC', () => {
  for (const lnc of validLncs) {
    it(`accepts ${lnc}`, () => {
      assert.equal(isValidLnc(lnc), true);
      parseMobileIdentificationInput(
        mobile({ person: { ...person, docType: 'LNC', identificatorValue: lnc } }),
      );
    });
  }

  for (const lnc of invalidLncs) {
    it(`rejects ${lnc}`, () => {
      assert.equal(isValidLnc(lnc), false);
      assertRejected(
        () =>
          parseMobileIdentificationInput(
            mobile({ person: { ...person, docType: 'LNC', identificatorValue: lnc } }),
          ),
        'person.identificatorValue',
        lnc,
      );
    });
  }
});

describe('mobile identification input', () => {
  it('accepts a complete input and keeps only the fields given', () => {
    assert.deepEqual(parseMobileIdentificationInput(mobile()), mobile());
    assert.deepEqual(parseMobileIdentificationInput(mobile({ language: 'en', pollIntervalMs: 5000 })), {
      ...mobile(),
      language: 'en',
      pollIntervalMs: 5000,
    });
  });

  it('accepts e-mail and phone identifiers', () => {
    parseMobileIdentificationInput(
      mobile({ person: { ...person, docType: 'EMAIL', identificatorValue: 'a@b.bg' } }),
    );
    parseMobileIdentificationInput(
      mobile({ person: { ...person, docType: 'PHONE', identificatorValue: '+359888133443' } }),
    );
  });

  const cases: { name: string; overrides: Record<string, unknown>; field: string; value?: string }[] = [
    {
      name: 'a date of birth in ISO form',
      overrides: { person: { ...person, dateOfBirth: '1978-05-16' } },
      field: 'person.dateOfBirth',
      value: '1978-05-16',
    },
    {
      name: 'a date of birth with slashes',
      overrides: { person: { ...person, dateOfBirth: '16/05/1978' } },
      field: 'person.dateOfBirth',
      value: '16/05/1978',
    },
    {
      name: 'a date of birth that does not exist',
      overrides: { person: { ...person, dateOfBirth: '31-02-1978' } },
      field: 'person.dateOfBirth',
      value: '31-02-1978',
    },
    {
      name: 'a date of birth in the future',
      overrides: { person: { docType: 'LNC', identificatorValue: '1000000001', dateOfBirth: '01-01-2999' } },
      field: 'person.dateOfBirth',
      value: '01-01-2999',
    },
    {
      name: 'an unknown document type',
      overrides: { person: { ...person, docType: 'PASSPORT' } },
      field: 'person.docType',
      value: 'PASSPORT',
    },
    {
      name: 'a malformed e-mail identifier',
      overrides: { person: { ...person, docType: 'EMAIL', identificatorValue: 'not-an-email' } },
      field: 'person.identificatorValue',
      value: 'not-an-email',
    },
    {
      name: 'a phone identifier without +',
      overrides: { person: { ...person, docType: 'PHONE', identificatorValue: '0888133443' } },
      field: 'person.identificatorValue',
      value: '0888133443',
    },
    {
      name: 'a national phone number',
      overrides: { phoneNumber: '0888133443' },
      field: 'phoneNumber',
      value: '0888133443',
    },
    {
      name: 'a phone number with spaces',
      overrides: { phoneNumber: '+359 888 133 443' },
      field: 'phoneNumber',
      value: '+359 888 133 443',
    },
    {
      name: 'a phone number with a zero country code',
      overrides: { phoneNumber: '+0359888133443' },
      field: 'phoneNumber',
      value: '+0359888133443',
    },
    {
      name: 'a phone number over 15 digits',
      overrides: { phoneNumber: '+3598881334431234' },
      field: 'phoneNumber',
      value: '+3598881334431234',
    },
    {
      name: 'an e-mail address without @',
      overrides: { email: 'customer.example.bg' },
      field: 'email',
      value: 'customer.example.bg',
    },
    {
      name: 'an e-mail address without a domain',
      overrides: { email: 'customer@' },
      field: 'email',
      value: 'customer@',
    },
    {
      name: 'an external reference with a space',
      overrides: { externalRef: 'loan 42' },
      field: 'externalRef',
      value: 'loan 42',
    },
    {
      name: 'an external reference with a colon',
      overrides: { externalRef: 'loan:42' },
      field: 'externalRef',
      value: 'loan:42',
    },
    {
      name: 'an external reference with a slash',
      overrides: { externalRef: '../etc' },
      field: 'externalRef',
      value: '../etc',
    },
    {
      name: 'an external reference with a non-ASCII letter',
      overrides: { externalRef: 'заем-42' },
      field: 'externalRef',
      value: 'заем-42',
    },
    {
      name: 'an external reference over 100 characters',
      overrides: { externalRef: 'x'.repeat(101) },
      field: 'externalRef',
      value: 'x'.repeat(101),
    },
    { name: 'an empty external reference', overrides: { externalRef: '' }, field: 'externalRef' },
    { name: 'a blank reason', overrides: { reason: '   ' }, field: 'reason' },
    { name: 'a reason over 512 characters', overrides: { reason: 'r'.repeat(513) }, field: 'reason' },
    { name: 'an unknown language', overrides: { language: 'de' }, field: 'language' },
    { name: 'a poll interval under a second', overrides: { pollIntervalMs: 10 }, field: 'pollIntervalMs' },
    { name: 'an unknown field', overrides: { egn: '7805166742' }, field: 'egn', value: '7805166742' },
    { name: 'a missing phone number', overrides: { phoneNumber: undefined }, field: 'phoneNumber' },
  ];

  for (const { name, overrides, field, value } of cases) {
    it(`rejects ${name}`, () => {
      assertRejected(() => parseMobileIdentificationInput(mobile(overrides)), field, value);
    });
  }

  it('lists every offending field, in order', () => {
    assert.throws(
      () => parseMobileIdentificationInput(mobile({ externalRef: 'a b', phoneNumber: '123', email: 'x' })),
      (error: unknown) =>
        error instanceof InputError &&
        error.issues.map((issue) => issue.field).join() === 'externalRef,phoneNumber,email',
    );
  });

  it('rejects something that is not an object', () => {
    assertRejected(() => parseMobileIdentificationInput('7805166742'), '(input)', '7805166742');
  });

  it('keeps the zod error as cause without the input values', () => {
    try {
      parseMobileIdentificationInput(mobile({ phoneNumber: '0888133443' }));
      assert.fail('expected an InputError');
    } catch (error) {
      assert.ok(error instanceof InputError);
      assert.doesNotMatch(JSON.stringify(error.cause), /0888133443/);
    }
  });
});

describe('web identification input', () => {
  it('accepts http and https URLs and the optional flags', () => {
    const input = web({ verifyEmailAddress: true, showGtcGdp: false, statusPollIntervalMs: 120_000 });
    assert.deepEqual(parseWebIdentificationInput(input), input);
  });

  const badUrls = ['ftp://bank.example/ok', 'javascript:alert(1)', '/relative/path', 'not a url', 'https://'];
  for (const url of badUrls) {
    it(`rejects the success URL ${JSON.stringify(url)}`, () => {
      assertRejected(() => parseWebIdentificationInput(web({ successUrl: url })), 'successUrl', url);
    });
  }

  it('rejects a status poll interval under ten seconds', () => {
    assertRejected(
      () => parseWebIdentificationInput(web({ statusPollIntervalMs: 1000 })),
      'statusPollIntervalMs',
    );
  });
});

describe('documents to sign', () => {
  it('decodes base64 and bytes alike and defaults the visible signature to whether a position is given', () => {
    const position = { imageHeight: 50, imageWidth: 150, imageXAxis: 0, imageYAxis: 700, pageNumber: 2 };
    const parsed = parseSignatureRequest(
      signing({
        documents: [
          document(),
          document({ content: pdfBytes.toString('base64'), signaturePosition: position }),
        ],
      }),
    );
    assert.deepEqual(
      parsed.documents.map((d) => [d.bytes, d.padesVisualSignature]),
      [
        [pdfBytes, false],
        [pdfBytes, true],
      ],
    );
    assert.deepEqual(parsed.documents[1]?.signaturePosition, position);
  });

  const cases: { name: string; documents: unknown; field: string; value?: string }[] = [
    { name: 'no documents', documents: [], field: 'documents' },
    {
      name: 'text that is not a PDF',
      documents: [document({ content: Buffer.from('hello world') })],
      field: 'documents.0.content',
    },
    {
      name: 'base64 of something that is not a PDF',
      documents: [document({ content: Buffer.from('GIF89a').toString('base64') })],
      field: 'documents.0.content',
    },
    {
      name: 'malformed base64',
      documents: [document({ content: 'JVBERi0x!!' })],
      field: 'documents.0.content',
      value: 'JVBERi0x!!',
    },
    {
      name: 'base64url instead of base64',
      documents: [document({ content: 'JVBERi0_-w==' })],
      field: 'documents.0.content',
      value: 'JVBERi0_-w==',
    },
    { name: 'a number as content', documents: [document({ content: 42 })], field: 'documents.0.content' },
    {
      name: 'a file name with a slash',
      documents: [document({ fileName: '../contract.pdf' })],
      field: 'documents.0.fileName',
      value: '../contract.pdf',
    },
    {
      name: 'a file name with a control character',
      documents: [document({ fileName: 'a\u0000.pdf' })],
      field: 'documents.0.fileName',
    },
    {
      name: 'an empty title',
      documents: [document({ legalFileName: '' })],
      field: 'documents.0.legalFileName',
    },
    {
      name: 'page 0',
      documents: [
        document({
          signaturePosition: { imageHeight: 1, imageWidth: 1, imageXAxis: 0, imageYAxis: 0, pageNumber: 0 },
        }),
      ],
      field: 'documents.0.signaturePosition.pageNumber',
    },
    {
      name: 'a fractional coordinate',
      documents: [
        document({
          signaturePosition: { imageHeight: 1, imageWidth: 1, imageXAxis: 1.5, imageYAxis: 0, pageNumber: 1 },
        }),
      ],
      field: 'documents.0.signaturePosition.imageXAxis',
    },
    {
      name: 'a negative coordinate',
      documents: [
        document({
          signaturePosition: { imageHeight: 1, imageWidth: 1, imageXAxis: 0, imageYAxis: -1, pageNumber: 1 },
        }),
      ],
      field: 'documents.0.signaturePosition.imageYAxis',
    },
    {
      name: 'a zero-height signature',
      documents: [
        document({
          signaturePosition: { imageHeight: 0, imageWidth: 1, imageXAxis: 0, imageYAxis: 0, pageNumber: 1 },
        }),
      ],
      field: 'documents.0.signaturePosition.imageHeight',
    },
    {
      name: 'a position without a page',
      documents: [
        document({ signaturePosition: { imageHeight: 1, imageWidth: 1, imageXAxis: 0, imageYAxis: 0 } }),
      ],
      field: 'documents.0.signaturePosition.pageNumber',
    },
  ];

  for (const { name, documents, field, value } of cases) {
    it(`rejects ${name}`, () => {
      assertRejected(() => parseSignatureRequest(signing({ documents })), field, value);
    });
  }

  it('rejects more documents than the limit allows', () => {
    const limits = { maxDocuments: 2, maxDocumentBytes: 1024 };
    assertRejected(
      () => parseSignatureRequest(signing({ documents: [document(), document(), document()] }), limits),
      'documents',
    );
  });

  it('rejects a document over the size limit, as bytes or as base64', () => {
    const limits = { maxDocuments: 20, maxDocumentBytes: 64 };
    const big = Buffer.concat([pdfBytes, Buffer.alloc(100)]);
    assertRejected(
      () => parseSignatureRequest(signing({ documents: [document({ content: big })] }), limits),
      'documents.0.content',
    );
    assertRejected(
      () =>
        parseSignatureRequest(
          signing({ documents: [document({ content: big.toString('base64') })] }),
          limits,
        ),
      'documents.0.content',
    );
  });

  it('rejects a signing request without the identification results', () => {
    assertRejected(() => parseSignatureRequest(signing({ signSessionId: undefined })), 'signSessionId');
    assertRejected(
      () => parseSignatureRequest(signing({ identifier: 'has spaces in it' })),
      'identifier',
      'has spaces in it',
    );
  });

  it('accepts a signing round with a round reference and rejects a malformed one', () => {
    const round = {
      documents: [document()],
      successUrl: 'https://a.example',
      cancelUrl: 'https://b.example',
    };
    assert.equal(parseSigningRound({ ...round, roundRef: 'round-2' }).roundRef, 'round-2');
    assertRejected(() => parseSigningRound({ ...round, roundRef: 'round 2' }), 'roundRef', 'round 2');
  });
});

describe('list filter', () => {
  it('accepts a known scenario and phase', () => {
    assert.deepEqual(parseListFilter({ scenario: 'otc-signing', phase: 'signing' }), {
      scenario: 'otc-signing',
      phase: 'signing',
    });
  });

  it("rejects a phase that is not one of the workflows' phases, so no query can be injected", () => {
    assertRejected(() => parseListFilter({ phase: "signing' OR 1=1" }), 'phase', "signing' OR 1=1");
  });
});
