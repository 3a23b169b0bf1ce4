import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Every web identification gives BORICA a callback URL of its own,
 * `{CALLBACK_PUBLIC_URL}/callbacks/{workflowId}/{token}`, where the token is an HMAC of the
 * workflow id under `CALLBACK_SECRET`. The receiver checks it without any lookup, and nobody
 * without the secret can make a URL that wakes a workflow.
 */
export function callbackTokenFor(secret: string, workflowId: string): string {
  return createHmac('sha256', secret).update(`borica-callback:${workflowId}`).digest('base64url');
}

/** The URL handed to BORICA as `requestCallbackUrl`. */
export function callbackUrlFor(publicUrl: string, secret: string, workflowId: string): string {
  const base = publicUrl.replace(/\/+$/, '');
  return `${base}/callbacks/${encodeURIComponent(workflowId)}/${callbackTokenFor(secret, workflowId)}`;
}

/** Constant-time check of a token taken from a callback URL. */
export function isValidCallbackToken(secret: string, workflowId: string, token: string): boolean {
  const expected = Buffer.from(callbackTokenFor(secret, workflowId));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
