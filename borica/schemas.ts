/**
 * The Signing API v2 contract for remote identification and OTC signing, as zod schemas.
 *
 * Request schemas are strict about what we send; response and callback schemas accept every
 * shape the integration guide shows for the same field, because the guide is not consistent
 * with itself. Each such decision is explained beside the field.
 *
 * @example
 * ```ts
 * const parsed = identificationRequest.safeParse(input);
 * if (!parsed.success) throw BoricaRequestError.fromZod('identification', parsed.error);
 * ```
 *
 * @module
 */
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------
// Enums listed by the guide

/** Kind of identifier in `personIdentityData.docType`. */
export const docType = z.enum(['EGN', 'LNC', 'EMAIL', 'PHONE']);
export type DocType = z.infer<typeof docType>;

/** Who pays for an identification. The guide names only the relying party. */
export const payer = z.enum(['RELYING_PARTY']);
export type Payer = z.infer<typeof payer>;

/** Value of the `Accept-language` header and of `userLanguage`. */
export const language = z.enum(['bg', 'en']);
export type Language = z.infer<typeof language>;

/** Progress of a B-Trust MOBILE identification. */
export const mobileIdentificationStatus = z.enum(['ON_BOARDING', 'IN_PROGRESS', 'FINISHED']);
export type MobileIdentificationStatus = z.infer<typeof mobileIdentificationStatus>;

/**
 * Status of a web identification or sign request; also the `processState` of a callback and
 * of a result download.
 */
export const webIdentificationStatus = z.enum([
  'ON_BOARDING',
  'REGIX',
  'ISSUED_CERTIFICATE',
  'IN_PROGRESS',
  'SIGNING_CLIENT_DOCUMENT',
  'SIGNED_CLIENT_DOCUMENT',
  'AUTOMATIC_AGENT_SIGNING_CLIENT_DOCUMENT',
  'AUTOMATIC_AGENT_COMPOSE_CLIENT_DOCUMENT',
  'AUTOMATIC_AGENT_SIGNED_CLIENT_DOCUMENT',
  'PROCESS_IS_FINISHED',
  'START_WEB_SESSION',
  'CREATE_SIGN_SESSION_REQUEST',
  'SIGN_SESSION',
  'PROCESS_IS_CANCELED_BY_USER',
  'IDENTIFICATION_REQUEST_DATA_AS_JSON',
]);
export type WebIdentificationStatus = z.infer<typeof webIdentificationStatus>;

/** The `processState` path parameter of a result download and the callback's `processState`. */
export const processState = webIdentificationStatus;
export type ProcessState = WebIdentificationStatus;

/** Step being executed within a {@link WebIdentificationStatus}. */
export const webIdentificationStep = z.enum([
  'PKCS10_REQ_GENERATED',
  'SIGNING_CLIENT_DOCUMENTS',
  'BORICA_SEAL_FOR_CLIENT_DOCUMENTS',
  'UPDATE_DOCUMENTS_WITH_CERTIFICATE_DATA_FAILED',
  'WEB_IDV_REGISTRATION',
  'WEB_IDV_REGISTRATION_FAILED',
  'START',
  'LOGIN',
  'OTP',
  'CREATE_SIGN_SESSION_ID',
  'SIGN_SESSION_ID_SUCCESSFULLY_CREATED',
  'SIGNING_WITH_SIGN_SESSION_SUCCESS',
]);
export type WebIdentificationStep = z.infer<typeof webIdentificationStep>;

/** Status of a registration in BORICA's registration module. */
export const registrationStatus = z.enum(['STARTED', 'COMPLETED', 'FINALIZED', 'REJECTED', 'EXPIRED']);
export type RegistrationStatus = z.infer<typeof registrationStatus>;

/** BORICA agent's review of a registration. */
export const reviewStatus = z.enum(['N_A', 'FINALIZE_REJECT', 'ALLOW_DENY', 'ALLOWED', 'DENIED']);
export type ReviewStatus = z.infer<typeof reviewStatus>;

// ---------------------------------------------------------------------------------------------
// Shared field shapes

/** An instant with an explicit offset; the guide shows milli- and microsecond precision. */
export const instant = z.iso.datetime({ offset: true });

/** Birth date in the guide's `dd-MM-yyyy` form, checked to be a real calendar date. */
export const birthDate = z
  .string()
  .regex(/^\d{2}-\d{2}-\d{4}$/, 'expected a date as dd-MM-yyyy')
  .refine(isCalendarDate, 'not a calendar date');

/**
 * Numeric identifiers (`resultId`, `requestId`, `relyingPartyId`) appear as JSON numbers in
 * some bodies and as strings in others (the identification callback sends `"resultId": "95"`,
 * the sign callback `109`). Both are accepted and carried as a decimal string.
 */
export const numericId = z
  .union([z.number().int().nonnegative(), z.string().regex(/^\d+$/, 'expected a decimal id')])
  .transform(String);

const webUrl = z.url({ protocol: /^https?$/ });
const base64 = z.base64();

/** Every success body repeats the outcome three times; only `code` is always present. */
const envelope = {
  responseCode: z.string().optional(),
  code: z.string(),
  message: z.string().optional(),
};

/**
 * Some operations wrap their result in `data`, others (createRegistration,
 * getRegistrationStatus) return it bare. Accept either, in case BORICA is more uniform
 * than its guide.
 */
function bareOrWrapped<T extends z.ZodType>(schema: T) {
  return z.preprocess((body) => {
    if (body !== null && typeof body === 'object' && 'data' in body) {
      const data = (body as { data: unknown }).data;
      if (data !== null && typeof data === 'object') return data;
    }
    return body;
  }, schema);
}

// ---------------------------------------------------------------------------------------------
// Errors

/** Body of every 4xx and 5xx response; the mobile result adds `"data": null`. */
export const errorBody = z.object({
  data: z.null().optional(),
  code: z.string(),
  message: z.string(),
});
export type ErrorBody = z.infer<typeof errorBody>;

// ---------------------------------------------------------------------------------------------
// Scenario 1: B-Trust MOBILE identification

/**
 * The guide's example sends `identificatorValue` as a JSON number, which would drop the
 * leading zero of an EGN born in the 2000s; we always send a string.
 */
export const personIdentityData = z.object({
  docType,
  identificatorValue: z.string().min(1).max(64),
  dateOfBirth: birthDate,
});
export type PersonIdentityData = z.infer<typeof personIdentityData>;

/** POST `/identification`. */
export const identificationRequest = z.object({
  personIdentityData,
  phoneNumber: z.string().regex(/^\+[1-9]\d{6,14}$/, 'expected an E.164 phone number'),
  email: z.email(),
  payer,
  identificationReason: z.string().min(1).max(512),
});
export type IdentificationRequest = z.infer<typeof identificationRequest>;

/** 200 answer to POST `/identification`. */
export const identificationResponse = z.object({
  ...envelope,
  data: z.object({
    callbackId: z.string().min(1),
    validity: instant,
  }),
});
export type IdentificationResponse = z.infer<typeof identificationResponse>;

/** 206 answer to GET `/identification/{callbackId}`: still running. */
export const identificationProgress = z.object({
  ...envelope,
  status: mobileIdentificationStatus,
});
export type IdentificationProgress = z.infer<typeof identificationProgress>;

/**
 * 200 answer to GET `/identification/{callbackId}`. The guide mixes snake case
 * (`identification_before`, `identification_reason`) with camel case (`identifier`) in one
 * object; we accept exactly that.
 */
export const identificationResult = z.object({
  ...envelope,
  status: z.literal('FINISHED'),
  data: z.object({
    content: base64,
    identification_before: z.string(),
    identification_reason: z.string(),
    identifier: z.string().min(1),
  }),
});
export type IdentificationResult = z.infer<typeof identificationResult>;

// ---------------------------------------------------------------------------------------------
// Scenario 2: web (video) identification

/** POST `/identification/web/websession/start`. */
export const startWebIdentificationRequest = z.object({
  requestCallbackUrl: webUrl,
  identificationReason: z.string().min(1).max(512),
});
export type StartWebIdentificationRequest = z.infer<typeof startWebIdentificationRequest>;

/** 200 answer to POST `/identification/web/websession/start`. */
export const startWebIdentificationResponse = z.object({
  ...envelope,
  data: z.object({
    webSessionId: z.string().min(1),
    resultId: numericId,
    webSessionExpireDate: instant,
  }),
});
export type StartWebIdentificationResponse = z.infer<typeof startWebIdentificationResponse>;

/**
 * POST `/identification/web/sessions/by-otc-request/{webSessionId}`. The guide's comments on
 * `showGtcGdp` and `showMainInfo` describe each other's step; both default to true.
 */
export const createRegistrationRequest = z.object({
  cancelUrl: webUrl,
  deviceFingerprint: z.record(z.string(), z.unknown()),
  externalRef: z.string().min(1).max(128),
  successUrl: webUrl,
  userLanguage: language,
  verifyEmailAddress: z.boolean(),
  verifyPhoneNumber: z.boolean(),
  showGtcGdp: z.boolean().optional(),
  showMainInfo: z.boolean().optional(),
});
export type CreateRegistrationRequest = z.infer<typeof createRegistrationRequest>;

/** 200 answer to createRegistration; the guide shows it without the `data` wrapper. */
export const createRegistrationResponse = bareOrWrapped(
  z.object({
    userLanguage: language,
    verifyEmailAddress: z.boolean(),
    verifyPhoneNumber: z.boolean(),
    successUrl: z.string(),
    cancelUrl: z.string(),
    sessionId: z.string().min(1),
    registrationId: z.string().min(1),
    createdOn: instant,
    expiredOn: instant,
    serviceName: z.string(),
    otcRequestId: z.string(),
  }),
);
export type CreateRegistrationResponse = z.infer<typeof createRegistrationResponse>;

/** Body BORICA posts to `requestCallbackUrl` when a web identification or signing changes. */
export const callbackBody = z.object({
  code: z.string(),
  message: z.string().optional(),
  requestId: numericId,
  relyingPartyId: numericId,
  data: z.object({
    processState,
    sessionId: z.string().min(1),
    resultId: numericId,
    dataMessage: z.string().optional(),
  }),
});
export type CallbackBody = z.infer<typeof callbackBody>;

/**
 * Path of GET `/identification/web/{resultId}/result/{processState}/{sessionId}`.
 * `onlyMetadata` is a further path segment in the guide's identification download and absent
 * from its signature download; it is sent only when set.
 */
export const webIdentificationResultsRequest = z.object({
  resultId: numericId,
  processState,
  sessionId: z.string().min(1),
  onlyMetadata: z.boolean().optional(),
});
export type WebIdentificationResultsRequest = z.input<typeof webIdentificationResultsRequest>;

/** 200 answer to a result download after identification. */
export const webIdentificationResults = z.object({
  ...envelope,
  data: z.object({
    // Absent when downloaded with onlyMetadata.
    eIDDocAsBase64: base64.optional(),
    clientIdentifier: z.string().min(1),
    signSessionId: z.string().min(1),
    signSessionIdExpireDate: instant,
  }),
});
export type WebIdentificationResults = z.infer<typeof webIdentificationResults>;

// ---------------------------------------------------------------------------------------------
// Scenario 3: OTC signing after web identification

/** Where a visible PAdES signature is drawn; pages count from 1. */
export const signaturePosition = z.object({
  imageHeight: z.number().int().positive(),
  imageWidth: z.number().int().positive(),
  imageXAxis: z.number().int().nonnegative(),
  imageYAxis: z.number().int().nonnegative(),
  pageNumber: z.number().int().min(1),
});
export type SignaturePosition = z.infer<typeof signaturePosition>;

/** One document in a sign-session request. */
export const documentForSign = z.object({
  contentAsBase64: base64.min(1),
  fileName: z.string().min(1).max(255),
  legalFileName: z.string().min(1).max(255),
  padesVisualSignature: z.boolean(),
  signaturePosition: signaturePosition.optional(),
});
export type DocumentForSign = z.infer<typeof documentForSign>;

/**
 * POST `/identification/web/signsession/start` (the guide prints it with a doubled slash after
 * `v2`, which we do not reproduce). It carries no callback URL: BORICA reports the outcome to
 * the URL given when the web session started.
 */
export const startSignSessionRequest = z.object({
  identifier: z.string().min(1),
  signSessionId: z.string().min(1),
  documentsForSign: z.array(documentForSign).min(1),
  sendSignedDocumentsByEmail: z.boolean(),
  cancelUrl: webUrl,
  successUrl: webUrl,
});
export type StartSignSessionRequest = z.infer<typeof startSignSessionRequest>;

/** 200 answer to the sign-session start. */
export const startSignSessionResponse = z.object({
  ...envelope,
  data: z.object({
    clientDocumentUrl: webUrl,
    expireDate: instant,
    resultId: numericId,
  }),
});
export type StartSignSessionResponse = z.infer<typeof startSignSessionResponse>;

/** 200 answer to a result download with processState `SIGN_SESSION`. */
export const signedDocumentsResult = z.object({
  ...envelope,
  data: z.object({
    signDocuments: z.array(z.object({ filename: z.string(), contentAsBase64: base64 })),
    clientIdentifier: z.string().min(1),
    signSessionId: z.string().min(1),
    signSessionIdExpireDate: instant,
  }),
});
export type SignedDocumentsResult = z.infer<typeof signedDocumentsResult>;

// ---------------------------------------------------------------------------------------------
// Status checks

/** 200 answer to GET `/identification/web/sessions/by-otc-request/{registrationId}/status`. */
export const registrationStatusResponse = bareOrWrapped(
  z.object({
    createdOn: instant,
    processedOn: instant.nullable().optional(),
    registrationId: z.string().min(1),
    reviewStatus,
    reviewedOn: instant.nullable().optional(),
    status: registrationStatus,
    userMessageBg: z.string().nullable().optional(),
  }),
);
export type RegistrationStatusResponse = z.infer<typeof registrationStatusResponse>;

/** 200 answer to GET `/identification/web/{resultId}/status`. */
export const webIdentificationStatusResponse = z.object({
  ...envelope,
  data: z.object({
    status: webIdentificationStatus,
    step: webIdentificationStep,
  }),
});
export type WebIdentificationStatusResponse = z.infer<typeof webIdentificationStatusResponse>;

function isCalendarDate(value: string): boolean {
  const [day, month, year] = value.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
