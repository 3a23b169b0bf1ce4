import express, { type Request, type Response, type Router } from 'express';
import { SandboxError } from './errors';
import { html, SafeHtml } from './html';
import type { SigningRound, WebIdentification } from './model';
import type { SigningRounds } from './signing';
import type { WebIdentifications } from './web';

const STYLE = new SafeHtml(`
  body { font: 16px/1.5 system-ui, sans-serif; background: #f4f6f9; color: #1a1f29; margin: 0; }
  main { max-width: 34rem; margin: 3rem auto; background: #fff; padding: 2rem; border-radius: 12px; box-shadow: 0 2px 12px #0001; }
  h1 { font-size: 1.4rem; margin-top: 0; color: #0d5499; }
  .muted { color: #5f6673; font-size: .9rem; }
  label { display: block; margin: 1rem 0; }
  input { display: block; width: 100%; box-sizing: border-box; padding: .5rem; margin-top: .25rem; font: inherit; }
  button { font: inherit; padding: .6rem 1.1rem; border-radius: 8px; border: 1px solid #0d5499; cursor: pointer; margin-right: .5rem; }
  button.primary { background: #0d5499; color: #fff; }
  button.secondary { background: #fff; color: #0d5499; }
  #outcome { font-weight: 600; }
`);

/** What the customer is told once a process is over, keyed by its state. */
const WEB_OUTCOMES: Record<string, string> = {
  completed: 'Identification complete.',
  canceled: 'Identification cancelled.',
  rejected: 'Identification rejected.',
  denied: 'Identification denied by an operator.',
  expired: 'This identification has expired.',
};

const SIGN_OUTCOMES: Record<string, string> = {
  signed: 'Documents signed.',
  refused: 'Signing refused.',
};

/**
 * The customer pages BORICA hosts: the video identification page and the document page. Their
 * buttons post to the control API, which answers a form post with {@link outcomePage}.
 */
export function pagesRouter(parts: {
  web: WebIdentifications;
  signing: SigningRounds;
  controlPath: string;
}): Router {
  const router = express.Router();

  router.get('/session/:sessionId', (request, response) => {
    const web = parts.web.open(parts.web.bySessionId(String(request.params.sessionId)));
    send(response, 200, identificationPage(web, parts.web.isLive(web), parts.controlPath));
  });

  router.get('/documents/:token', (request, response) => {
    const round = parts.signing.byToken(String(request.params.token));
    send(response, 200, documentsPage(round, parts.signing.isOpen(round), parts.controlPath));
  });

  router.get('/documents/:token/:index', (request, response) => {
    const round = parts.signing.byToken(String(request.params.token));
    const document = round.documents[Number(request.params.index)];
    if (!document) throw new SandboxError('not-found', 'no document has this index');

    response.type('application/pdf');
    response.setHeader(
      'content-disposition',
      `inline; filename="${document.fileName.replace(/[^\w.-]/g, '_')}"`,
    );
    response.send(Buffer.from(document.contentAsBase64, 'base64'));
  });

  router.use((error: unknown, _request: Request, response: Response, next: (error: unknown) => void) => {
    if (!(error instanceof SandboxError)) return next(error);
    send(
      response,
      404,
      page('Not found', html`<p id="outcome" role="status">This link is unknown or no longer valid.</p>`),
    );
  });
  return router;
}

/** The page a form post to the control API answers with. */
export function outcomePage(kind: 'web' | 'sign', state: string, returnUrl: string | undefined): SafeHtml {
  const text = (kind === 'web' ? WEB_OUTCOMES : SIGN_OUTCOMES)[state] ?? `Status: ${state}`;
  const back = returnUrl
    ? html`<p><a id="return" href="${returnUrl}">Return to the relying party</a></p>`
    : '';
  return page(
    kind === 'web' ? 'Video identification' : 'Documents to sign',
    html`<p id="outcome" role="status">${text}</p>${back}`,
  );
}

/** The page a refused form post to the control API answers with. */
export function refusalPage(detail: string): SafeHtml {
  return page('Not possible', html`<p id="outcome" role="alert">Not possible: ${detail}.</p>`);
}

export function send(response: Response, status: number, body: SafeHtml): void {
  response.status(status).type('html').setHeader('cache-control', 'no-store').send(body.markup);
}

function identificationPage(web: WebIdentification, live: boolean, controlPath: string): SafeHtml {
  const sessionId = web.registration?.sessionId ?? '';
  if (web.state !== 'registered' && web.state !== 'opened') return outcomePage('web', web.state, undefined);
  if (!live) return outcomePage('web', 'expired', undefined);

  const action = (name: string) => `${controlPath}/web/${encodeURIComponent(sessionId)}/${name}`;
  return page(
    'Video identification',
    html`<p>Identification requested for: <strong id="reason">${web.reason}</strong></p>
      <p class="muted">This stands in for BORICA's video identification. Nothing is recorded.</p>
      <form method="post" action="${action('complete')}">
        <label>Full name, as on your identity document
          <input id="name" name="name" autocomplete="off" placeholder="Left empty, someone is made up">
        </label>
        <button id="complete" class="primary" type="submit">Complete identification</button>
        <button id="cancel" class="secondary" type="submit" formaction="${action('cancel')}">Cancel</button>
      </form>`,
  );
}

function documentsPage(round: SigningRound, open: boolean, controlPath: string): SafeHtml {
  const links = round.documents.map(
    (document, index) =>
      html`<li><a href="/documents/${round.documentToken}/${index}" target="_blank" rel="noopener">${document.legalFileName}</a> <span class="muted">${document.fileName}</span></li>`,
  );
  const list = html`<ul id="documents">${links}</ul>`;
  if (!open) {
    const state = round.state === 'waiting' ? 'expired' : round.state;
    return page(
      'Documents to sign',
      html`${list}<p id="outcome" role="status">${SIGN_OUTCOMES[state] ?? 'This link has expired.'}</p>`,
    );
  }

  const action = (name: string) => `${controlPath}/sign/${round.documentToken}/${name}`;
  return page(
    'Documents to sign',
    html`${list}
      <p class="muted">The sandbox sends no SMS; signing needs no code.</p>
      <form method="post" action="${action('sign')}">
        <button id="sign" class="primary" type="submit">Sign with SMS code</button>
        <button id="refuse" class="secondary" type="submit" formaction="${action('refuse')}">Refuse</button>
      </form>`,
  );
}

function page(title: string, content: SafeHtml): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · B-Trust sandbox</title>
<style>${STYLE}</style>
</head>
<body><main><h1>${title}</h1>${content}</main></body>
</html>`;
}
