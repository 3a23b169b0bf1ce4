/**
 * Addresses the relying party builds itself rather than receiving from the API.
 *
 * @module
 */

/**
 * The page the customer is sent to for video identification (step 3 of BORICA's web
 * identification): `{identificationUrl}/session/{sessionId}`, where `sessionId` comes from
 * {@link ./api!BoricaApi.createRegistration}.
 *
 * @example
 * ```ts
 * customerRedirectUrl('https://idtest.borica.bg/', '56f6bccb-1635-444e-b983-79bc35d22743');
 * // 'https://idtest.borica.bg/session/56f6bccb-1635-444e-b983-79bc35d22743'
 * ```
 */
export function customerRedirectUrl(identificationUrl: string, sessionId: string): string {
  if (sessionId.length === 0) throw new TypeError('customerRedirectUrl: sessionId is empty');

  return `${identificationUrl.replace(/\/+$/, '')}/session/${encodeURIComponent(sessionId)}`;
}
