import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { Logger } from '../common/logger';
import type { SandboxControl } from './control';
import { SandboxError } from './errors';
import { outcomePage, refusalPage, send } from './pages';
import { SIGN_ACTIONS, type SigningRounds } from './signing';
import { WEB_ACTIONS, type WebIdentifications } from './web';

const share = z.number().min(0).max(1);
const ms = z.number().int().nonnegative();

const faultsBody = z.strictObject({
  serverErrorRate: share.optional(),
  serverErrorBurst: ms.optional(),
  latencyMs: ms.optional(),
  callbacks: z
    .strictObject({
      drop: share.optional(),
      duplicate: share.optional(),
      delayMs: ms.optional(),
      reorder: z.boolean().optional(),
    })
    .optional(),
});

const timingsBody = z.strictObject({
  mobileValidityMs: ms.optional(),
  webSessionTtlMs: ms.optional(),
  registrationTtlMs: ms.optional(),
  signSessionTtlMs: ms.optional(),
  documentUrlTtlMs: ms.optional(),
  mobileProgressMs: ms.optional(),
  callbackRetryDelayMs: ms.optional(),
});

export const autopilotBody = z.strictObject({
  mobile: z
    .strictObject({ outcome: z.enum(['none', 'complete', 'reject']).optional(), afterMs: ms.optional() })
    .optional(),
  web: z
    .strictObject({
      outcome: z.enum(['none', 'complete', 'cancel', 'reject', 'deny']).optional(),
      afterMs: ms.optional(),
    })
    .optional(),
  sign: z
    .strictObject({ outcome: z.enum(['none', 'sign', 'refuse']).optional(), afterMs: ms.optional() })
    .optional(),
});

const customerBody = z.object({ name: z.string().max(200).optional() }).default({});

/**
 * The control API: plays the customer, injects faults, changes timings and shows what the
 * sandbox received and sent. JSON in and out; a form post from a customer page gets a page back.
 */
export function controlRouter(parts: {
  control: SandboxControl;
  web: WebIdentifications;
  signing: SigningRounds;
  logger: Logger;
}): Router {
  const { control } = parts;
  const router = express.Router();
  router.use(express.json(), express.urlencoded({ extended: false }));

  router.post('/mobile/:callbackId/:action', async (request, response) => {
    const action = z.enum(['complete', 'reject']).parse(request.params.action);
    await control.mobile(String(request.params.callbackId), action, clean(customerBody.parse(request.body)));
    response.json({ ok: true });
  });

  router.post('/web/:sessionId/:action', async (request, response) => {
    const sessionId = String(request.params.sessionId);
    const view = await control.web(
      sessionId,
      z.enum(WEB_ACTIONS).parse(request.params.action),
      clean(customerBody.parse(request.body)),
    );
    if (!isFormPost(request)) {
      response.json(view);
      return;
    }

    const web = parts.web.bySessionId(sessionId);
    const returnUrl =
      web.state === 'completed' ? web.registration?.request.successUrl : web.registration?.request.cancelUrl;
    send(response, 200, outcomePage('web', web.state, returnUrl));
  });

  router.post('/sign/:token/:action', async (request, response) => {
    const token = String(request.params.token);
    const view = await control.sign(token, z.enum(SIGN_ACTIONS).parse(request.params.action));
    if (!isFormPost(request)) {
      response.json(view);
      return;
    }

    const round = parts.signing.byToken(token);
    send(
      response,
      200,
      outcomePage('sign', round.state, round.state === 'signed' ? round.successUrl : round.cancelUrl),
    );
  });

  settingsRoutes(router, control);
  logRoutes(router, control);
  router.use(errorHandler(parts.logger));
  return router;
}

function settingsRoutes(router: Router, control: SandboxControl): void {
  router.get('/faults', (_request, response) => {
    response.json(control.faults());
  });
  router.put('/faults', (request, response) => {
    response.json(control.setFaults(clean(faultsBody.parse(request.body))));
  });
  router.delete('/faults', (_request, response) => {
    response.json(control.resetFaults());
  });
  router.put('/autopilot', (request, response) => {
    response.json(control.setAutopilot(clean(autopilotBody.parse(request.body))));
  });
  router.put('/timings', (request, response) => {
    response.json(control.setTimings(clean(timingsBody.parse(request.body))));
  });
}

function logRoutes(router: Router, control: SandboxControl): void {
  router.get('/requests', (_request, response) => {
    response.json({ requests: control.requests() });
  });
  router.delete('/requests', (_request, response) => {
    control.clearRequests();
    response.status(204).end();
  });
  router.get('/callbacks', (_request, response) => {
    response.json({ callbacks: control.callbacks() });
  });
  router.delete('/callbacks', (_request, response) => {
    control.clearCallbacks();
    response.status(204).end();
  });
}

function errorHandler(logger: Logger) {
  return (error: unknown, request: Request, response: Response, _next: NextFunction): void => {
    const [status, detail] = describe(error);
    if (status === 500)
      logger.error({ err: error, route: request.route?.path }, 'sandbox control request failed');

    if (isFormPost(request)) send(response, status, refusalPage(detail));
    else response.status(status).json({ error: detail });
  };
}

function describe(error: unknown): [number, string] {
  if (error instanceof SandboxError) {
    const status = { 'not-found': 404, conflict: 409, 'bad-request': 400, unauthorized: 401, rejected: 409 }[
      error.refusal
    ];
    return [status, error.detail];
  }
  if (error instanceof z.ZodError) {
    const issue = error.issues[0];
    return [400, `invalid ${issue?.path.map(String).join('.') || 'value'}: ${issue?.message ?? 'invalid'}`];
  }
  const type = (error as { type?: unknown }).type;
  if (type === 'entity.parse.failed') return [400, 'the body is not valid JSON'];
  return [500, 'the sandbox failed; see its log'];
}

function isFormPost(request: Request): boolean {
  return request.is('application/x-www-form-urlencoded') === 'application/x-www-form-urlencoded';
}

type Defined<T> = T extends object ? { [K in keyof T]: Defined<Exclude<T[K], undefined>> } : T;

/** zod leaves absent keys absent; only its types say `| undefined`, which exactOptionalPropertyTypes refuses. */
function clean<T>(value: T): Defined<T> {
  return value as Defined<T>;
}
