/**
 * The HTTP face of the receiver: BORICA posts a callback, the receiver checks that the URL is
 * one we issued and that the body is a BORICA callback for us, signals the waiting workflow and
 * answers at once. A callback is only a hint: the workflow asks BORICA what really happened.
 */
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { z } from 'zod';
import { type CallbackBody, callbackBody } from '../borica/schemas';
import { isValidCallbackToken } from '../common/callback-token';
import type { Logger } from '../common/logger';
import type { CallbackHint } from '../workflows/definitions';
import type { CallbackSink, Delivery } from './sink';

export interface ReceiverDependencies {
  readonly sink: CallbackSink;
  /** `CALLBACK_SECRET`, which signs the token in every callback URL. */
  readonly secret: string;
  /** `BORICA_RELYING_PARTY_ID`; callbacks for another relying party are refused. */
  readonly relyingPartyId: string;
  readonly logger: Logger;
  /** Largest body accepted, in bytes or as `'16kb'`. BORICA's callbacks are a few hundred bytes. */
  readonly bodyLimit?: number | string;
  /** Requests allowed per window from one client address. Default 600 a minute. */
  readonly rateLimit?: { readonly windowMs: number; readonly limit: number };
  /** Reverse proxies in front of the receiver whose `X-Forwarded-For` is trusted. Default 0. */
  readonly trustProxy?: number;
}

type Problem = { readonly error: string; readonly message: string; readonly fields?: readonly string[] };

const DEFAULT_BODY_LIMIT = '16kb';
// BORICA sends every callback from a few addresses: the limit bounds a flood, not a busy day.
const DEFAULT_RATE_LIMIT = { windowMs: 60_000, limit: 12_000 };
// The URL part of a log line may come from a stranger; keep it short.
const LOGGED_ID_LENGTH = 200;

/** Builds the receiver's express app; the caller listens and closes. */
export function createReceiverApp(deps: ReceiverDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? 0);

  app.use(limitRate(deps.rateLimit ?? DEFAULT_RATE_LIMIT));
  app.get('/healthz', health(deps.sink));
  app.post('/callbacks/:workflowId/:token', checkToken(deps), parseJson(deps), handleCallback(deps));
  app.use((_req, res) => send(res, 404, { error: 'not_found', message: 'No such route.' }));
  app.use(unexpectedError(deps.logger));
  return app;
}

function limitRate({ windowMs, limit }: { windowMs: number; limit: number }): RequestHandler {
  // Counts live in this process; each replica behind a load balancer counts on its own.
  return rateLimit({
    windowMs,
    limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, res) =>
      send(res, 429, {
        error: 'rate_limited',
        message: 'Too many requests; retry after the time in RateLimit.',
      }),
  });
}

function health(sink: CallbackSink): RequestHandler {
  return async (_req, res) => {
    const ready = await sink.ready();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ok' : 'unavailable' });
  };
}

/** Runs before the body is read: a stranger's request costs one HMAC and nothing more. */
function checkToken({ secret, logger }: ReceiverDependencies): RequestHandler<CallbackParams> {
  return (req, res, next) => {
    const { workflowId, token } = req.params;
    if (isValidCallbackToken(secret, workflowId, token)) return next();

    logger.warn({ workflowId: loggable(workflowId), outcome: 'bad-token' }, 'callback refused');
    send(res, 401, {
      error: 'invalid_token',
      message:
        'This callback URL was not issued by this service; use the requestCallbackUrl given to BORICA.',
    });
  };
}

/** body-parser's own messages can quote the body, so its errors are answered here, in our words. */
function parseJson({
  bodyLimit = DEFAULT_BODY_LIMIT,
  logger,
}: ReceiverDependencies): RequestHandler<CallbackParams> {
  // BORICA documents `application/json`; a missing or odd header is no reason to lose a callback.
  const parse = express.json({ limit: bodyLimit, strict: true, type: () => true });

  return (req, res, next) => {
    parse(req, res, (error?: unknown) => {
      if (error === undefined) return next();
      const { status, problem } = bodyProblem(error, bodyLimit);
      logger.warn(
        { workflowId: loggable(req.params.workflowId), outcome: problem.error },
        'callback refused',
      );
      send(res, status, problem);
    });
  };
}

function handleCallback(deps: ReceiverDependencies): RequestHandler<CallbackParams> {
  const { sink, logger } = deps;

  return async (req, res) => {
    const { workflowId } = req.params;
    const parsed = callbackBody.safeParse(req.body);
    if (!parsed.success) {
      logger.warn({ workflowId, outcome: 'invalid-body' }, 'callback refused');
      return send(res, 400, invalidBody(parsed.error));
    }

    const hint = hintOf(parsed.data);
    const about = { workflowId, processState: hint.processState, resultId: hint.resultId };
    if (!sameId(parsed.data.relyingPartyId, deps.relyingPartyId)) {
      logger.warn({ ...about, outcome: 'other-relying-party' }, 'callback refused');
      return send(res, 403, {
        error: 'wrong_relying_party',
        message: 'The callback names another relying party; check BORICA_RELYING_PARTY_ID.',
      });
    }

    try {
      const { target, outcome } = await route(sink, workflowId, hint);
      logger.info({ ...about, deliveredTo: target, outcome }, 'callback handled');
      answer(res, outcome);
    } catch (error) {
      logger.error({ ...about, outcome: 'failed', err: error }, 'callback not delivered');
      send(res, 503, {
        error: 'unavailable',
        message: 'The callback could not be delivered now; send it again later.',
      });
    }
  };
}

/**
 * Every callback arrives at the URL of the web identification that opened the session, which
 * may have finished long ago. SIGN_SESSION callbacks go to the signing workflow found by
 * `resultId`; any other callback whose URL workflow has closed (a refusal of a signing, say)
 * is looked up the same way before it is called undeliverable.
 */
async function route(
  sink: CallbackSink,
  workflowId: string,
  hint: CallbackHint,
): Promise<{ target: string; outcome: Delivery }> {
  const signing =
    hint.processState === 'SIGN_SESSION' ? await sink.findSigningWorkflow(hint.resultId) : undefined;
  const target = signing ?? workflowId;
  const outcome = await sink.deliver(target, hint);
  if (outcome === 'delivered' || signing !== undefined || hint.processState === 'SIGN_SESSION') {
    return { target, outcome };
  }

  const byResult = await sink.findSigningWorkflow(hint.resultId);
  if (byResult === undefined || byResult === workflowId) return { target, outcome };
  return { target: byResult, outcome: await sink.deliver(byResult, hint) };
}

function answer(res: express.Response, outcome: Delivery): void {
  if (outcome === 'delivered') {
    res.status(200).json({ outcome });
    return;
  }
  send(res, 404, {
    error: 'workflow_not_found',
    message: 'No running workflow waits for this callback; it has finished, expired or never existed.',
  });
}

function unexpectedError(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    logger.error({ err: error }, 'request failed');
    send(res, 500, { error: 'internal_error', message: 'The receiver failed; the error is in its log.' });
  };
}

type CallbackParams = { workflowId: string; token: string };

function hintOf(callback: CallbackBody): CallbackHint {
  const { processState, sessionId, resultId } = callback.data;
  return { processState, sessionId, resultId, requestId: callback.requestId };
}

/** Names the offending fields; zod's messages could quote the values, so they are left out. */
function invalidBody(error: z.ZodError): Problem {
  const fields = [...new Set(error.issues.map((issue) => issue.path.join('.') || '(body)'))];
  return {
    error: 'invalid_callback',
    message: `The body is not a BORICA callback; check these fields: ${fields.join(', ')}.`,
    fields,
  };
}

function bodyProblem(error: unknown, limit: number | string): { status: number; problem: Problem } {
  const type = (error as { type?: unknown }).type;
  if (type === 'entity.too.large') {
    return {
      status: 413,
      problem: { error: 'body_too_large', message: `Callback bodies are limited to ${limit}.` },
    };
  }
  if (type === 'entity.parse.failed') {
    return { status: 400, problem: { error: 'malformed_json', message: 'The body is not valid JSON.' } };
  }
  const status = (error as { status?: unknown }).status;
  return {
    status: typeof status === 'number' && status >= 400 && status < 500 ? status : 400,
    problem: { error: 'unreadable_body', message: 'The body could not be read; send UTF-8 JSON.' },
  };
}

/** Relying party ids are decimal; `024102167` and `24102167` are the same party. */
function sameId(a: string, b: string): boolean {
  return BigInt(a) === BigInt(b);
}

function loggable(id: string): string {
  return id.slice(0, LOGGED_ID_LENGTH);
}

function send(res: express.Response, status: number, problem: Problem): void {
  res.status(status).json(problem);
}
