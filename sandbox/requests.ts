import { z } from 'zod';
import {
  createRegistrationRequest,
  identificationRequest,
  personIdentityData,
  processState,
  startSignSessionRequest,
  startWebIdentificationRequest,
} from '../borica/schemas';

/**
 * The requests the sandbox accepts: the project's own schemas, loosened where BORICA itself
 * takes more than the project sends (the guide's examples do exactly that).
 */

/** The guide sends the EGN as a JSON number. */
export const identificationBody = identificationRequest.extend({
  personIdentityData: personIdentityData.extend({
    identificatorValue: z.union([
      z.string().min(1).max(64),
      z.number().int().nonnegative().transform(String),
    ]),
  }),
});

export const startWebIdentificationBody = startWebIdentificationRequest;

/** The guide says the device fingerprint "could be empty"; absent is taken as empty. */
export const createRegistrationBody = createRegistrationRequest.extend({
  deviceFingerprint: createRegistrationRequest.shape.deviceFingerprint.default({}),
});

/** Whether to e-mail the signed documents is optional in practice; the sandbox e-mails no one. */
export const startSignSessionBody = startSignSessionRequest.extend({
  sendSignedDocumentsByEmail: z.boolean().default(false),
});

export const resultPath = z.object({
  resultId: z
    .string()
    .regex(/^\d{1,15}$/, 'expected a decimal id')
    .transform(Number),
  processState,
  sessionId: z.string().min(1),
  onlyMetadata: z.enum(['true', 'false']).optional(),
});

export const resultIdPath = resultPath.pick({ resultId: true });
