/**
 * Checks every input {@link BoricaFlows} takes before anything is started, stored or sent to
 * BORICA. A failure is always an {@link InputError} naming the field and what it should be;
 * no message ever repeats the value, since values here are EGNs, phone numbers and documents.
 *
 * @example
 * ```ts
 * const input = parseMobileIdentificationInput(body); // throws InputError
 * isValidEgn('7805166742'); // true
 * egnBirthDate('7805166742'); // '16-05-1978'
 * ```
 *
 * @module
 */
import { z } from 'zod';
import type { SignaturePosition } from '../borica/schemas';
import type {
  MobileIdentificationInput,
  Phase,
  Scenario,
  SigningRequest,
  WebIdentificationInput,
} from '../workflows/definitions';
import { InputError, type InputIssue } from './errors';

// ---------------------------------------------------------------------------------------------
// Identity numbers

const EGN_WEIGHTS = [2, 4, 8, 5, 10, 9, 7, 3, 6];
const LNC_WEIGHTS = [21, 19, 17, 13, 11, 9, 7, 3, 1];

/** Whether `value` is ten digits whose last is the EGN check digit (weights 2,4,8,5,10,9,7,3,6 mod 11, 10 as 0). */
export function hasValidEgnCheckDigit(value: string): boolean {
  if (!/^\d{10}$/.test(value)) return false;
  const remainder = weightedSum(value, EGN_WEIGHTS) % 11;
  return (remainder === 10 ? 0 : remainder) === Number(value[9]);
}

/**
 * The birth date an EGN encodes, as `dd-MM-yyyy`, or undefined when it encodes none. The month
 * is offset by 20 for births in the 1800s and by 40 for births in the 2000s.
 */
export function egnBirthDate(value: string): string | undefined {
  if (!/^\d{10}$/.test(value)) return undefined;
  const yy = Number(value.slice(0, 2));
  const mm = Number(value.slice(2, 4));
  const dd = Number(value.slice(4, 6));
  const [century, offset] = mm > 40 ? [2000, 40] : mm > 20 ? [1800, 20] : [1900, 0];

  const date = formatBirthDate(dd, mm - offset, century + yy);
  return isCalendarDate(date) ? date : undefined;
}

/** Whether `value` is a well-formed EGN: ten digits, a real birth date and a matching check digit. */
export function isValidEgn(value: string): boolean {
  return hasValidEgnCheckDigit(value) && egnBirthDate(value) !== undefined;
}

/** Whether `value` is a well-formed LNC: ten digits whose last is the check digit (weights 21,19,17,13,11,9,7,3,1 mod 10). */
export function isValidLnc(value: string): boolean {
  if (!/^\d{10}$/.test(value)) return false;
  return weightedSum(value, LNC_WEIGHTS) % 10 === Number(value[9]);
}

function weightedSum(digits: string, weights: readonly number[]): number {
  return weights.reduce((sum, weight, index) => sum + weight * Number(digits[index]), 0);
}

// ---------------------------------------------------------------------------------------------
// Dates

/** Whether a `dd-MM-yyyy` string names a real calendar date. */
export function isCalendarDate(value: string): boolean {
  const match = /^(\d{2})-(\d{2})-(\d{4})$/.exec(value);
  if (!match) return false;
  const [day, month, year] = match.slice(1).map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function formatBirthDate(day: number, month: number, year: number): string {
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  return `${pad(day, 2)}-${pad(month, 2)}-${pad(year, 4)}`;
}

function isNotInFuture(value: string, now = new Date()): boolean {
  const [day, month, year] = value.split('-').map(Number) as [number, number, number];
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Date.UTC(year, month - 1, day) <= today;
}

// ---------------------------------------------------------------------------------------------
// Field rules

/** The relying party's reference: part of a workflow id and of URLs, so a narrow alphabet. */
export const externalRefSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,100}$/, 'expected 1 to 100 letters, digits, ".", "_" or "-"');

const dateOfBirthSchema = z
  .string()
  .refine(isCalendarDate, 'expected a real date as dd-MM-yyyy')
  .refine(isNotInFuture, 'expected a date that is not in the future');

const phoneSchema = z
  .string()
  .regex(
    /^\+[1-9]\d{6,14}$/,
    'expected a phone number in E.164 form: "+", country code and number, digits only',
  );

/** A schema-level message for a malformed value that still says "is required" when the field is missing. */
const expecting = (message: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? 'is required' : message;

const emailSchema = z.email({ error: expecting('expected an e-mail address such as name@example.com') });

const webUrlSchema = z.url({
  protocol: /^https?$/,
  error: expecting('expected an absolute http or https URL'),
});

const reasonSchema = z
  .string()
  .trim()
  .min(1, 'expected a reason')
  .max(512, 'expected at most 512 characters');

const languageSchema = z.enum(['bg', 'en'], { error: expecting('expected "bg" or "en"') });

const boricaIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,256}$/, 'expected the id as the web identification returned it');

const intervalSchema = (min: number, max: number) =>
  z
    .number()
    .int('expected whole milliseconds')
    .min(min, `expected at least ${min} ms`)
    .max(max, `expected at most ${max} ms`);

const scenarioSchema = z.enum(
  ['mobile-identification', 'web-identification', 'otc-signing', 'onboard-and-sign'] satisfies Scenario[],
  { error: expecting('expected mobile-identification, web-identification, otc-signing or onboard-and-sign') },
);

const phases = [
  'requesting',
  'creating-registration',
  'awaiting-customer',
  'downloading-result',
  'ready-to-sign',
  'signing',
  'identified',
  'signed',
  'finished',
  'rejected',
  'denied',
  'cancelled-by-customer',
  'refused',
  'expired',
  'cancelled',
] as const satisfies readonly Phase[];

const phaseSchema = z.enum(phases, { error: expecting(`expected one of ${phases.join(', ')}`) });

// ---------------------------------------------------------------------------------------------
// Person

const personSchema = z
  .strictObject({
    docType: z.enum(['EGN', 'LNC', 'EMAIL', 'PHONE'], {
      error: expecting('expected EGN, LNC, EMAIL or PHONE'),
    }),
    identificatorValue: z.string({ error: expecting('expected the identifier as a string') }),
    dateOfBirth: dateOfBirthSchema,
  })
  .superRefine((person, ctx) => {
    const problem = identifierProblem(person.docType, person.identificatorValue, person.dateOfBirth);
    if (problem) ctx.addIssue({ code: 'custom', path: ['identificatorValue'], message: problem });
  });

function identifierProblem(docType: string, value: string, dateOfBirth: string): string | undefined {
  switch (docType) {
    case 'EGN':
      return egnProblem(value, dateOfBirth);
    case 'LNC':
      return isValidLnc(value) ? undefined : 'expected an LNC: 10 digits with a valid check digit';
    case 'EMAIL':
      return emailSchema.safeParse(value).success
        ? undefined
        : 'expected an e-mail address for docType EMAIL';
    default:
      return phoneSchema.safeParse(value).success
        ? undefined
        : 'expected an E.164 phone number for docType PHONE';
  }
}

function egnProblem(value: string, dateOfBirth: string): string | undefined {
  if (!/^\d{10}$/.test(value)) return 'expected an EGN: exactly 10 digits';
  if (!hasValidEgnCheckDigit(value)) return 'expected an EGN with a valid check digit';

  const encoded = egnBirthDate(value);
  if (!encoded) return 'expected an EGN that encodes a real birth date';
  if (isCalendarDate(dateOfBirth) && encoded !== dateOfBirth) {
    return 'expected an EGN whose encoded birth date equals person.dateOfBirth';
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Documents

/** How many documents one request may carry and how big each may be. */
export interface DocumentLimits {
  readonly maxDocuments: number;
  readonly maxDocumentBytes: number;
}

/** 20 documents of at most 25 MiB each. */
export const DEFAULT_DOCUMENT_LIMITS: DocumentLimits = {
  maxDocuments: 20,
  maxDocumentBytes: 25 * 1024 * 1024,
};

/** A PDF to sign as a business service hands it over: bytes or base64. */
export interface DocumentUpload {
  readonly content: Uint8Array | string;
  /** Name the customer's download gets, e.g. `contract.pdf`. */
  readonly fileName: string;
  /** Title shown to the customer, e.g. `Loan agreement`. */
  readonly legalFileName: string;
  /** Draw a visible PAdES signature; defaults to true when `signaturePosition` is given. */
  readonly padesVisualSignature?: boolean;
  readonly signaturePosition?: SignaturePosition;
}

/** A {@link DocumentUpload} after validation: decoded and known to be a PDF. */
export interface ValidDocument {
  readonly bytes: Buffer;
  readonly fileName: string;
  readonly legalFileName: string;
  readonly padesVisualSignature: boolean;
  readonly signaturePosition?: SignaturePosition;
}

const PDF_MAGIC = Buffer.from('%PDF-');
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const signaturePositionSchema = z.strictObject({
  imageHeight: z.number().int('expected a whole number').positive('expected a number above 0'),
  imageWidth: z.number().int('expected a whole number').positive('expected a number above 0'),
  imageXAxis: z.number().int('expected a whole number').nonnegative('expected 0 or more'),
  imageYAxis: z.number().int('expected a whole number').nonnegative('expected 0 or more'),
  pageNumber: z.number().int('expected a whole number').min(1, 'expected 1 or more: pages count from 1'),
});

const fileNameSchema = z
  .string()
  .regex(
    /^[^\\/:*?"<>|\p{Cc}]{1,255}$/u,
    'expected 1 to 255 characters without \\ / : * ? " < > | or control characters',
  )
  .refine(
    (name) => name.trim() !== '' && name !== '.' && name !== '..',
    'expected a file name such as contract.pdf',
  );

const legalFileNameSchema = z
  .string()
  .regex(/^[^\p{Cc}]{1,255}$/u, 'expected 1 to 255 characters without control characters')
  .refine((name) => name.trim() !== '', 'expected a title for the document');

function documentSchema(limits: DocumentLimits) {
  return z
    .strictObject({
      content: z.custom<Uint8Array | string>(
        (value) => value instanceof Uint8Array || typeof value === 'string',
        'expected the PDF as a Uint8Array or a base64 string',
      ),
      fileName: fileNameSchema,
      legalFileName: legalFileNameSchema,
      padesVisualSignature: z.boolean('expected true or false').optional(),
      signaturePosition: signaturePositionSchema.optional(),
    })
    .transform((document, ctx): ValidDocument => {
      const bytes = decodePdf(document.content, limits, (message) =>
        ctx.addIssue({ code: 'custom', path: ['content'], message }),
      );
      return compact({
        bytes: bytes ?? Buffer.alloc(0),
        fileName: document.fileName,
        legalFileName: document.legalFileName,
        padesVisualSignature: document.padesVisualSignature ?? document.signaturePosition !== undefined,
        signaturePosition: document.signaturePosition,
      });
    });
}

function decodePdf(
  content: Uint8Array | string,
  limits: DocumentLimits,
  report: (message: string) => void,
): Buffer | undefined {
  const tooBig = `expected at most ${limits.maxDocumentBytes} bytes`;
  if (typeof content === 'string') {
    if (Math.floor((content.length * 3) / 4) > limits.maxDocumentBytes + 2) return void report(tooBig);
    if (!BASE64.test(content))
      return void report('expected standard base64 (A-Z, a-z, 0-9, +, /, = padding)');
  }

  const bytes = typeof content === 'string' ? Buffer.from(content, 'base64') : Buffer.from(content);
  if (bytes.length > limits.maxDocumentBytes) return void report(tooBig);
  if (!bytes.subarray(0, PDF_MAGIC.length).equals(PDF_MAGIC))
    return void report('expected a PDF (it starts with %PDF-)');
  return bytes;
}

function documentsSchema(limits: DocumentLimits) {
  return z
    .array(documentSchema(limits), { error: 'expected a list of documents' })
    .min(1, 'expected at least one document')
    .max(limits.maxDocuments, `expected at most ${limits.maxDocuments} documents`);
}

// ---------------------------------------------------------------------------------------------
// Inputs

const mobileIdentificationSchema = z.strictObject({
  externalRef: externalRefSchema,
  person: personSchema,
  phoneNumber: phoneSchema,
  email: emailSchema,
  reason: reasonSchema,
  language: languageSchema.optional(),
  pollIntervalMs: intervalSchema(1_000, 600_000).optional(),
});

const webIdentificationSchema = z.strictObject({
  externalRef: externalRefSchema,
  reason: reasonSchema,
  successUrl: webUrlSchema,
  cancelUrl: webUrlSchema,
  language: languageSchema.optional(),
  verifyEmailAddress: z.boolean('expected true or false').optional(),
  verifyPhoneNumber: z.boolean('expected true or false').optional(),
  showGtcGdp: z.boolean('expected true or false').optional(),
  showMainInfo: z.boolean('expected true or false').optional(),
  statusPollIntervalMs: intervalSchema(10_000, 3_600_000).optional(),
});

function signingRoundShape(limits: DocumentLimits) {
  return {
    documents: documentsSchema(limits),
    sendSignedDocumentsByEmail: z.boolean('expected true or false').optional(),
    successUrl: webUrlSchema,
    cancelUrl: webUrlSchema,
    language: languageSchema.optional(),
  };
}

function signingRoundSchema(limits: DocumentLimits) {
  return z.strictObject({
    ...signingRoundShape(limits),
    /** Makes a retried round idempotent: the same `roundRef` asks for one round, not two. */
    roundRef: externalRefSchema.optional(),
  });
}

function signatureRequestSchema(limits: DocumentLimits) {
  return z.strictObject({
    ...signingRoundShape(limits),
    externalRef: externalRefSchema,
    identifier: boricaIdSchema,
    signSessionId: boricaIdSchema,
    statusPollIntervalMs: intervalSchema(10_000, 3_600_000).optional(),
  });
}

/** Signatures on documents after a web identification, as {@link BoricaFlows.requestSignatures} takes them. */
export interface SignatureRequest extends Omit<SigningRequest, 'documents'> {
  readonly externalRef: string;
  /** `clientIdentifier` from the web identification's result. */
  readonly identifier: string;
  /** `signSessionId` from the web identification's result. */
  readonly signSessionId: string;
  readonly documents: readonly DocumentUpload[];
  readonly statusPollIntervalMs?: number;
}

/** Another signing round of an onboard-and-sign workflow, as {@link BoricaFlows.requestOnboardingSignatures} takes it. */
export interface SigningRoundRequest extends Omit<SigningRequest, 'documents'> {
  readonly documents: readonly DocumentUpload[];
  /**
   * The relying party's reference for this round. A call repeated with the same `roundRef`
   * returns the first call's answer instead of asking BORICA for a second sign session.
   */
  readonly roundRef?: string;
}

/** A {@link SignatureRequest} after validation, documents decoded. */
export type ValidSignatureRequest = Omit<SignatureRequest, 'documents'> & {
  readonly documents: readonly ValidDocument[];
};

/** A {@link SigningRoundRequest} after validation, documents decoded. */
export type ValidSigningRound = Omit<SigningRoundRequest, 'documents'> & {
  readonly documents: readonly ValidDocument[];
};

/** Filter of {@link BoricaFlows.list}. */
export interface ListFilter {
  readonly scenario?: Scenario;
  readonly phase?: Phase;
  /** At most this many per page; 1 to 1000, default 100. */
  readonly pageSize?: number;
  /** `nextPageToken` of the previous page. */
  readonly pageToken?: string;
}

const listFilterSchema = z.strictObject({
  scenario: scenarioSchema.optional(),
  phase: phaseSchema.optional(),
  pageSize: z
    .number()
    .int('expected a whole number')
    .min(1, 'expected 1 or more')
    .max(1000, 'expected at most 1000')
    .optional(),
  pageToken: z.base64('expected the nextPageToken of the previous page').optional(),
});

/** Checks a mobile identification input; throws {@link InputError}. */
export function parseMobileIdentificationInput(input: unknown): MobileIdentificationInput {
  const valid = parse(mobileIdentificationSchema, input);
  return compact({ ...valid, person: { ...valid.person } });
}

/** Checks a web identification (or onboard-and-sign) input; throws {@link InputError}. */
export function parseWebIdentificationInput(input: unknown): WebIdentificationInput {
  return compact(parse(webIdentificationSchema, input));
}

/** Checks a signature request and decodes its PDFs; throws {@link InputError}. */
export function parseSignatureRequest(
  input: unknown,
  limits = DEFAULT_DOCUMENT_LIMITS,
): ValidSignatureRequest {
  return compact(parse(signatureRequestSchema(limits), input));
}

/** Checks another signing round and decodes its PDFs; throws {@link InputError}. */
export function parseSigningRound(input: unknown, limits = DEFAULT_DOCUMENT_LIMITS): ValidSigningRound {
  return compact(parse(signingRoundSchema(limits), input));
}

/** Checks a list filter; throws {@link InputError}. */
export function parseListFilter(input: unknown): ListFilter {
  return compact(parse(listFilterSchema, input ?? {}));
}

/** Checks a workflow id given to a method; throws {@link InputError}. */
export function parseWorkflowId(input: unknown, field = 'workflowId'): string {
  const result = z.string().min(1).max(1000).safeParse(input);
  if (result.success) return result.data;
  throw new InputError([{ field, expected: 'expected the workflow id a start method returned' }]);
}

// ---------------------------------------------------------------------------------------------
// Parsing

function parse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input, { error: describeIssue });
  if (result.success) return result.data;

  const issues = result.error.issues.flatMap(toInputIssues);
  throw new InputError(issues as [InputIssue, ...InputIssue[]], { cause: withoutInput(result.error) });
}

function toInputIssues(issue: z.core.$ZodIssue): InputIssue[] {
  const field = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      field: field ? `${field}.${key}` : key,
      expected: 'is not a known field; remove it',
    }));
  }
  return [{ field: field || '(input)', expected: issue.message }];
}

/** Messages for issues without one of their own; built from the rule, never the input. */
function describeIssue(issue: z.core.$ZodRawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'is required' : `expected ${issue.expected}`;
    case 'too_small':
      return `expected at least ${String(issue.minimum)}${issue.origin === 'string' ? ' characters' : ''}`;
    case 'too_big':
      return `expected at most ${String(issue.maximum)}${issue.origin === 'string' ? ' characters' : ''}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    default:
      return 'expected a valid value';
  }
}

/** zod keeps no input in issues unless asked; the cause is rebuilt anyway so none can leak. */
function withoutInput(error: z.ZodError): z.ZodError {
  return new z.ZodError(
    error.issues.map(({ code, path, message }) => ({ code, path, message }) as z.core.$ZodIssue),
  );
}

type Compact<T> = { [K in keyof T]: Exclude<T[K], undefined> };

/** Drops keys whose value is undefined, as `exactOptionalPropertyTypes` wants. */
function compact<T extends object>(value: T): Compact<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Compact<T>;
}
