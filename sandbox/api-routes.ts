import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { z } from 'zod';
import type { Logger } from '../common/logger';
import { SandboxError } from './errors';
import { apiFaults, type FaultState } from './faults';
import { type MessageCode, messageFor } from './messages';
import type { MobileIdentifications } from './mobile';
import {
  createRegistrationBody,
  identificationBody,
  resultIdPath,
  resultPath,
  startSignSessionBody,
  startWebIdentificationBody,
} from './requests';
import type { SigningRounds } from './signing';
import type { WebIdentifications } from './web';

export interface ApiParts {
  relyingPartyId: string;
  mobile: MobileIdentifications;
  web: WebIdentifications;
  signing: SigningRounds;
  faults: FaultState;
  logger: Logger;
}

const STATUS_OF: Record<MessageCode, number> = {
  OK: 200,
  ACCEPTED: 200,
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  REJECTED: 403,
  NOT_FOUND: 404,
  ERROR: 500,
};

/** Documents to sign travel base64-encoded inside the JSON body. */
const BODY_LIMIT = '64mb';

/** Every Signing API v2 operation of the remote identification guide, answered as BORICA answers. */
export function apiRouter(parts: ApiParts): Router {
  const router = express.Router();
  router.use(apiFaults(parts.faults, (request, response) => refuse(request, response, 'ERROR')));
  router.use(requireRelyingParty(parts.relyingPartyId));
  router.use(express.json({ limit: BODY_LIMIT }));

  mobileRoutes(router, parts);
  webRoutes(router, parts);
  signingRoutes(router, parts);
  statusRoutes(router, parts);

  router.use((request: Request, response: Response) => refuse(request, response, 'NOT_FOUND'));
  router.use(errorHandler(parts.logger));
  return router;
}

function mobileRoutes(router: Router, { mobile }: ApiParts): void {
  router.post('/identification', (request, response) => {
    const data = mobile.start(parse(identificationBody, request.body));
    response.json({ data, ...envelope('ACCEPTED', request) });
  });

  router.get('/identification/:callbackId', (request, response) => {
    const poll = mobile.poll(String(request.params.callbackId));
    if (poll.kind === 'running') {
      response.status(206).json({ status: poll.status, ...envelope('OK', request) });
      return;
    }

    const { certificate, reason, identifier, before } = poll.identification;
    const data = {
      content: certificate.toString('base64'),
      identification_before: before,
      identification_reason: reason,
      identifier,
    };
    response.json({
      data,
      responseCode: 'GENERAL_OK',
      status: 'FINISHED',
      code: 'OK',
      message: 'Successful operation',
    });
  });
}

function webRoutes(router: Router, { web, signing }: ApiParts): void {
  router.post('/identification/web/websession/start', (request, response) => {
    const data = web.start(parse(startWebIdentificationBody, request.body));
    response.json({ data, responseCode: 'ACCEPTED', code: 'ACCEPTED', message: 'Successful operation' });
  });

  router.post('/identification/web/sessions/by-otc-request/:webSessionId', (request, response) => {
    response.json(
      web.register(String(request.params.webSessionId), parse(createRegistrationBody, request.body)),
    );
  });

  router.get(
    '/identification/web/:resultId/result/:processState/:sessionId{/:onlyMetadata}',
    (request, response) => {
      const path = parse(resultPath, request.params);
      const data =
        path.processState === 'SIGN_SESSION'
          ? signing.result(path.resultId, path.sessionId)
          : path.processState === 'CREATE_SIGN_SESSION_REQUEST'
            ? web.result(path.resultId, path.sessionId, path.onlyMetadata === 'true')
            : undefined;
      if (data === undefined) throw new SandboxError('not-found', 'no result is kept for this processState');
      response.json({ data, ...envelope('OK', request) });
    },
  );
}

function signingRoutes(router: Router, { signing }: ApiParts): void {
  // The guide prints this URL with a doubled slash; BORICA's server takes both.
  router.post(
    ['/identification/web/signsession/start', '//identification/web/signsession/start'],
    async (request, response) => {
      const data = await signing.start(parse(startSignSessionBody, request.body));
      response.json({ data, ...envelope('OK', request) });
    },
  );
}

function statusRoutes(router: Router, { web, signing }: ApiParts): void {
  router.get('/identification/web/sessions/by-otc-request/:registrationId/status', (request, response) => {
    response.json(web.registrationStatus(String(request.params.registrationId)));
  });

  router.get('/identification/web/:resultId/status', (request, response) => {
    const { resultId } = parse(resultIdPath, request.params);
    const identification = web.byResultId(resultId);
    const round = identification ? undefined : signing.byResultId(resultId);
    const data = identification ? web.status(identification) : round ? signing.status(round) : undefined;
    if (data === undefined)
      throw new SandboxError('not-found', 'no web identification or signing has this resultId');
    response.json({ data, ...envelope('OK', request) });
  });
}

function requireRelyingParty(relyingPartyId: string) {
  return (request: Request, response: Response, next: NextFunction): void => {
    if (request.get('relyingPartyID') === relyingPartyId) next();
    else refuse(request, response, 'UNAUTHORIZED');
  };
}

function errorHandler(logger: Logger) {
  return (error: unknown, request: Request, response: Response, _next: NextFunction): void => {
    if (error instanceof SandboxError) {
      refuse(request, response, codeFor(error));
      return;
    }
    if (isBodyParserError(error)) {
      refuse(request, response, 'BAD_REQUEST');
      return;
    }

    logger.error(
      { err: error, method: request.method, route: request.route?.path },
      'sandbox API request failed',
    );
    refuse(request, response, 'ERROR');
  };
}

function codeFor(error: SandboxError): MessageCode {
  const codes = {
    'bad-request': 'BAD_REQUEST',
    unauthorized: 'UNAUTHORIZED',
    'not-found': 'NOT_FOUND',
    rejected: 'REJECTED',
    conflict: 'BAD_REQUEST',
  } as const;
  return codes[error.refusal];
}

/** The guide's error bodies; the mobile result's rejection alone carries `data: null`. */
function refuse(request: Request, response: Response, code: MessageCode): void {
  const body = { code, message: messageFor(code, request) };
  response.status(STATUS_OF[code]).json(code === 'REJECTED' ? { data: null, ...body } : body);
}

function envelope(code: 'OK' | 'ACCEPTED', request: Request) {
  return { responseCode: code, code, message: messageFor(code, request) };
}

function parse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const path = parsed.error.issues[0]?.path.map(String).join('.') || '(body)';
  throw new SandboxError('bad-request', `invalid field ${path}`);
}

function isBodyParserError(error: unknown): boolean {
  const type = (error as { type?: unknown }).type;
  return (
    typeof type === 'string' &&
    (type === 'entity.parse.failed' ||
      type === 'entity.too.large' ||
      type.startsWith('encoding.') ||
      type.startsWith('charset.'))
  );
}
