/**
 * The codec server: Temporal's remote codec protocol over HTTP, so the Web UI and the CLI can show
 * payloads that history keeps encrypted. `POST /encode` and `POST /decode` (also under
 * `/{namespace}/`, as the CLI's endpoint templating produces) take and return
 * `{ "payloads": [{ "metadata": { "<key>": "<base64>" }, "data": "<base64>" }] }`.
 *
 * Every way in proves knowledge of the same token:
 * - `Authorization: Bearer <token>`, which the CLI sends with `--codec-auth`;
 * - a session cookie, for browsers: the Web UI sends an Authorization header only when it signs
 *   users in with OIDC (and then the header carries the user's access token), so a browser signs
 *   in once at `/session` and the UI, told to include cross-origin credentials, sends the cookie;
 * - the endpoint `/t/<token>`, for a client that can only be given a URL. The token then sits in
 *   the client's settings and in the logs of any proxy on the way, so prefer the other two.
 *
 * @example
 * ```ts
 * const app = createCodecServerApp({ keys, token, corsOrigins: ['http://localhost:8080'], logger });
 * app.listen(8888);
 * ```
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import type { Logger } from '../common/logger';
import type { KeyRing } from './keys';
import { EncryptionCodec } from './payload-codec';

export interface CodecServerOptions {
  readonly keys: KeyRing;
  /** The shared secret clients present; at least 32 characters. */
  readonly token: string;
  /** Origins of the Web UI as the browser reports them, e.g. `http://localhost:8080`. */
  readonly corsOrigins: readonly string[];
  readonly logger: Logger;
  /** Largest request body accepted; default `4mb`, twice Temporal's default payload size limit. */
  readonly bodyLimit?: string;
}

/** Name of the cookie a browser gets from `POST /session`. */
export const SESSION_COOKIE = 'codec_session';

const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;

const base64 = z.base64();

const payloadsBody = z.object({
  payloads: z.array(
    z.object({
      metadata: z.record(z.string(), base64).nullish(),
      data: base64.nullish(),
    }),
  ),
});

/** Builds the Express app; listening, TLS and shutdown belong to the caller. */
export function createCodecServerApp(options: CodecServerOptions): express.Express {
  if (options.token.length < 32) throw new Error('the codec server token must be at least 32 characters');
  const codec = new EncryptionCodec(options.keys);
  const credentials = new Credentials(options.token);
  const app = express();

  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(cors(new Set(options.corsOrigins)));
  app.get('/session', (_req, res) => {
    res.type('html').send(SIGN_IN_PAGE);
  });
  app.post('/session', express.urlencoded({ extended: false, limit: '2kb' }), signIn(credentials));
  const routes = codecRoutes(codec, options.logger, options.bodyLimit ?? '4mb');
  app.use('/t/:token', authenticateByPath(credentials, options.logger), routes);
  app.use(authenticate(credentials, options.logger), routes);
  app.use(handleError(options.logger));

  return app;
}

/** Compares secrets in constant time: both sides are hashed first so their lengths never differ. */
class Credentials {
  private readonly tokenDigest: Buffer;
  private readonly sessionValue: string;

  constructor(token: string) {
    this.tokenDigest = digest(token);
    // The cookie holds a value derived from the token, so the cookie store never keeps the token.
    this.sessionValue = createHash('sha256').update(`codec-session:${token}`).digest('base64url');
  }

  acceptsToken(candidate: string): boolean {
    return timingSafeEqual(digest(candidate), this.tokenDigest);
  }

  acceptsSession(candidate: string): boolean {
    return timingSafeEqual(digest(candidate), digest(this.sessionValue));
  }

  session(): string {
    return this.sessionValue;
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Answers preflights from the configured origins and marks their responses readable. Credentials
 * are allowed because the Web UI sends cookies only with `TEMPORAL_CODEC_INCLUDE_CREDENTIALS=true`,
 * which also forbids a wildcard origin.
 */
function cors(origins: ReadonlySet<string>): RequestHandler {
  return (req, res, next) => {
    res.vary('Origin');
    const origin = req.headers.origin;
    const allowed = origin !== undefined && origins.has(origin);
    if (allowed) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
    }
    if (req.method !== 'OPTIONS') return next();

    if (!allowed) {
      res.status(403).json({ error: 'this origin is not in CODEC_CORS_ORIGINS' });
      return;
    }
    res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Namespace');
    res.setHeader('Access-Control-Max-Age', '600');
    res.status(204).end();
  };
}

function signIn(credentials: Credentials): RequestHandler {
  return (req, res) => {
    const token: unknown = req.body?.token;
    if (typeof token !== 'string' || !credentials.acceptsToken(token)) {
      res.status(401).type('text').send('Wrong token: use the value of CODEC_SERVER_TOKEN.\n');
      return;
    }

    res.cookie(SESSION_COOKIE, credentials.session(), {
      httpOnly: true,
      sameSite: 'strict',
      secure: req.secure,
      path: '/',
      maxAge: SESSION_MAX_AGE_SECONDS * 1000,
    });
    res.type('text').send('Signed in: the Temporal Web UI can now decode payloads in this browser.\n');
  };
}

function codecRoutes(codec: EncryptionCodec, logger: Logger, bodyLimit: string): express.Router {
  const router = express.Router({ mergeParams: true });
  router.use(express.json({ limit: bodyLimit }));
  router.post(['/encode', '/:namespace/encode'], convert('encode', codec, logger));
  router.post(['/decode', '/:namespace/decode'], convert('decode', codec, logger));
  return router;
}

function authenticate(credentials: Credentials, logger: Logger): RequestHandler {
  return (req, res, next) => {
    if (isAuthenticated(req, credentials)) return next();
    refuse(req, res, logger);
  };
}

function authenticateByPath(credentials: Credentials, logger: Logger): RequestHandler {
  return (req, res, next) => {
    const token = req.params.token;
    if (typeof token === 'string' && credentials.acceptsToken(token)) return next();
    refuse(req, res, logger);
  };
}

/** Logs no path: under `/t/` the path is the credential. */
function refuse(req: Request, res: Response, logger: Logger): void {
  logger.warn(
    { method: req.method, namespace: req.get('X-Namespace') },
    'codec request refused: no valid credentials',
  );
  res.setHeader('WWW-Authenticate', 'Bearer realm="codec"');
  res.status(401).json({
    error: `send "Authorization: Bearer <CODEC_SERVER_TOKEN>", or sign in at /session and let the Web UI include credentials`,
  });
}

function isAuthenticated(req: Request, credentials: Credentials): boolean {
  const authorization = req.get('Authorization');
  if (authorization !== undefined) {
    const match = /^Bearer +(\S+)\s*$/i.exec(authorization);
    return match?.[1] !== undefined && credentials.acceptsToken(match[1]);
  }

  const session = readCookie(req.get('Cookie'), SESSION_COOKIE);
  return session !== undefined && credentials.acceptsSession(session);
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const pair of header?.split(';') ?? []) {
    const separator = pair.indexOf('=');
    if (separator > 0 && pair.slice(0, separator).trim() === name) return pair.slice(separator + 1).trim();
  }
  return undefined;
}

function convert(operation: 'encode' | 'decode', codec: EncryptionCodec, logger: Logger): RequestHandler {
  return async (req, res) => {
    const parsed = payloadsBody.safeParse(req.body);
    if (!parsed.success) {
      const field = parsed.error.issues[0]?.path.join('.') || 'body';
      res.status(400).json({
        error: `expected {"payloads": [{"metadata": {...}, "data": "<base64>"}]}; ${field} is malformed`,
      });
      return;
    }

    const payloads = parsed.data.payloads.map(fromJson);
    const converted = await run(operation, codec, payloads, res);
    if (!converted) return;

    logger.info(
      { operation, namespace: req.get('X-Namespace') ?? req.params.namespace, payloads: payloads.length },
      'payloads converted',
    );
    res.json({ payloads: converted.map(toJson) });
  };
}

/** The codec's own errors name a key id at most, so they are safe to return to the caller. */
async function run(
  operation: 'encode' | 'decode',
  codec: EncryptionCodec,
  payloads: Payload[],
  res: Response,
): Promise<Payload[] | undefined> {
  try {
    return await codec[operation](payloads);
  } catch (error) {
    res.status(422).json({ error: (error as Error).message });
    return undefined;
  }
}

function fromJson(payload: z.infer<typeof payloadsBody>['payloads'][number]): Payload {
  const metadata = Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, fromBase64(value)]);
  return { metadata: Object.fromEntries(metadata), data: fromBase64(payload.data ?? '') };
}

function toJson(payload: Payload): { metadata: Record<string, string>; data: string } {
  const metadata = Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, toBase64(value)]);
  return { metadata: Object.fromEntries(metadata), data: toBase64(payload.data) };
}

function fromBase64(value: string): Uint8Array {
  return new Uint8Array(Buffer.from(value, 'base64'));
}

function toBase64(value: Uint8Array | null | undefined): string {
  return Buffer.from(value ?? new Uint8Array()).toString('base64');
}

/** Body-parser failures keep their status; nothing about the body is logged or echoed. */
function handleError(logger: Logger): ErrorRequestHandler {
  return (error: { status?: number; name?: string }, req, res, _next) => {
    const status = typeof error.status === 'number' && error.status < 500 ? error.status : 500;
    // Only the name: parser messages can quote the body.
    if (status === 500) logger.error({ method: req.method, errorName: error.name }, 'codec request failed');

    const messages: Record<number, string> = {
      400: 'the body is not valid JSON',
      413: 'the body is larger than the codec server accepts',
      415: 'send the payloads as application/json',
    };
    res.status(status).json({ error: messages[status] ?? 'the codec server failed; see its log' });
  };
}

const SIGN_IN_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Codec server sign-in</title></head>
<body>
<h1>Codec server sign-in</h1>
<p>Enter the codec server token so the Temporal Web UI in this browser can decode payloads.</p>
<form method="post" action="session">
<label>Token <input type="password" name="token" autocomplete="off" required></label>
<button type="submit">Sign in</button>
</form>
</body>
</html>
`;
