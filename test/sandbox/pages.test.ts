import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { identifiedCustomer, registrationRequest, sandboxSuite, signRequest, web } from './support';

describe('sandbox customer pages', () => {
  const suite = sandboxSuite();

  async function registered(reason = 'Opening an account') {
    const started = await suite.borica.startWebIdentification({
      requestCallbackUrl: suite.receiver.url(),
      identificationReason: reason,
    });
    const registration = await suite.borica.createRegistration(
      started.data.webSessionId,
      registrationRequest,
    );
    return { resultId: started.data.resultId, sessionId: registration.sessionId };
  }

  it('shows the identification page, marks the session opened, and completes from its form', async () => {
    const { resultId, sessionId } = await registered();
    const page = await web(`${suite.sandbox.identificationUrl}/session/${sessionId}`);
    assert.equal(page.status, 200);
    for (const id of ['id="complete"', 'id="cancel"', 'id="name"', 'Opening an account'])
      assert.ok(page.text.includes(id), id);
    assert.equal((await suite.borica.getWebIdentificationStatus(resultId)).data.status, 'ON_BOARDING');

    const outcome = await web(
      `${suite.sandbox.controlUrl}/web/${sessionId}/complete`,
      'POST',
      new URLSearchParams({ name: 'Ivan Petrov' }),
    );
    assert.equal(outcome.status, 200);
    assert.match(outcome.text, /<p id="outcome" role="status">Identification complete\.<\/p>/);
    assert.ok(outcome.text.includes('href="https://bank.example/success"'));
    assert.equal(
      (await suite.borica.getWebIdentificationStatus(resultId)).data.status,
      'CREATE_SIGN_SESSION_REQUEST',
    );
  });

  it('cancels from the identification page and links back to the cancel URL', async () => {
    const { sessionId } = await registered();
    const outcome = await web(
      `${suite.sandbox.controlUrl}/web/${sessionId}/cancel`,
      'POST',
      new URLSearchParams(),
    );
    assert.match(outcome.text, /id="outcome"[^>]*>Identification cancelled\./);
    assert.ok(outcome.text.includes('href="https://bank.example/cancel"'));

    const again = await web(`${suite.sandbox.identificationUrl}/session/${sessionId}`);
    assert.ok(!again.text.includes('id="complete"'));
    assert.match(again.text, /id="outcome"[^>]*>Identification cancelled\./);
  });

  it('escapes what the relying party sent before showing it', async () => {
    const { sessionId } = await registered('<script>alert("x")</script>');
    const page = await web(`${suite.sandbox.identificationUrl}/session/${sessionId}`);
    assert.ok(!page.text.includes('<script>'));
    assert.ok(page.text.includes('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;'));
  });

  it('lists the documents to sign with links to each PDF, and signs from its form', async () => {
    const customer = await identifiedCustomer(suite.sandbox, suite.borica, suite.receiver.url());
    const started = await suite.borica.startSignSession(await signRequest(customer));
    const page = await web(started.data.clientDocumentUrl);
    for (const id of ['id="sign"', 'id="refuse"', 'Loan agreement']) assert.ok(page.text.includes(id), id);

    const link = /href="(\/documents\/[^"]+\/0)"/.exec(page.text)?.[1];
    const pdf = await fetch(`${suite.sandbox.identificationUrl}${link}`);
    assert.equal(pdf.headers.get('content-type'), 'application/pdf');
    assert.equal(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString(),
      '%PDF-',
    );

    const token = started.data.clientDocumentUrl.split('/').pop();
    const outcome = await web(
      `${suite.sandbox.controlUrl}/sign/${token}/sign`,
      'POST',
      new URLSearchParams(),
    );
    assert.match(outcome.text, /id="outcome"[^>]*>Documents signed\./);
    assert.match((await web(started.data.clientDocumentUrl)).text, /id="outcome"[^>]*>Documents signed\./);
  });

  it('tells the customer an expired identification has expired instead of offering its buttons', async () => {
    const { sessionId } = await registered();
    await suite.sandbox.control.web(sessionId, 'expire');
    const page = await web(`${suite.sandbox.identificationUrl}/session/${sessionId}`);
    assert.ok(!page.text.includes('id="complete"'));
    assert.match(page.text, /id="outcome"[^>]*>This identification has expired\./);
  });

  it('answers an unknown link with a 404 page', async () => {
    const page = await web(`${suite.sandbox.identificationUrl}/session/unknown`);
    assert.equal(page.status, 404);
    assert.match(page.text, /id="outcome"/);
  });

  it('answers a form post that comes too late with a page saying why', async () => {
    const { sessionId } = await registered();
    await suite.sandbox.control.web(sessionId, 'reject');
    const outcome = await web(
      `${suite.sandbox.controlUrl}/web/${sessionId}/complete`,
      'POST',
      new URLSearchParams(),
    );
    assert.equal(outcome.status, 409);
    assert.match(outcome.text, /role="alert">Not possible: the identification is already rejected\./);
  });
});
