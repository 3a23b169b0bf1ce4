/**
 * A customer's journey in a real browser: the sandbox's identification and document pages in
 * headless Chromium, then the same workflows as an operator sees them in the Temporal Web UI.
 * Screenshots of every step are kept in test-results/browser/.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { OtcSigningResult, WebIdentificationResult } from '../../client';
import { webPerson } from '../../sandbox/people';
import { urls } from '../integration/helpers';
import { startStackWithUi, type UiStack } from './ui-stack';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
const SCREENSHOTS = resolve(__dirname, '..', '..', 'test-results', 'browser');

/** The name typed on the identification page; the sandbox derives the person's EGN and birth date from it. */
const CUSTOMER_NAME = 'Radostina Petkova Ivanova';
const customerPerson = webPerson(CUSTOMER_NAME);

// Each test is skipped, rather than the suite, so that the run's summary counts them as skipped.
const skip = existsSync(CHROMIUM)
  ? false
  : `Chromium is not installed at ${CHROMIUM}: install it with \`apt-get install chromium\` to run the browser test`;
const needsChromium = { skip };

describe('a customer identifies and signs in the browser, and an operator follows it in the Web UI', () => {
  let stack: UiStack;
  let browser: Browser;
  let page: Page;
  let identification: {
    workflowId: string;
    result?: Extract<WebIdentificationResult, { outcome: 'identified' }>;
  };
  let signing: { workflowId: string; result?: OtcSigningResult };

  before(async () => {
    if (skip) return;
    await mkdir(SCREENSHOTS, { recursive: true });
    stack = await startStackWithUi({ sandbox: { timings: { callbackRetryDelayMs: 50 } } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('identifies a customer who completes the identification page', needsChromium, async () => {
    const started = await stack.flows.startWebIdentification({
      externalRef: 'browser-web-1',
      reason: 'Consumer loan application',
      ...urls,
    });
    identification = { workflowId: started.workflowId };

    await page.goto(started.redirectUrl);
    await page.locator('#name').fill(CUSTOMER_NAME);
    await screenshot(page, '1-identification-page');
    await page.locator('#complete').click();
    await assertOutcome(page, 'Identification complete.');
    await screenshot(page, '2-identification-complete');

    const result = await stack.flows.result(started.workflowId);
    assert.equal(result.outcome, 'identified');
    identification.result = result;
  });

  it('signs a document the customer signs on the document page', needsChromium, async () => {
    const identified = identifiedCustomer(identification.result);
    const started = await stack.flows.requestSignatures({
      externalRef: 'browser-sign-1',
      identifier: identified.clientIdentifier,
      signSessionId: identified.signSessionId,
      ...urls,
      documents: [await loanAgreement()],
    });
    signing = { workflowId: started.workflowId };

    await page.goto(started.clientDocumentUrl);
    await page.locator('#documents').getByText('Loan agreement').waitFor();
    await screenshot(page, '3-documents-page');
    await page.locator('#sign').click();
    await assertOutcome(page, 'Documents signed.');
    await screenshot(page, '4-documents-signed');

    signing.result = await stack.flows.result(started.workflowId);
    assert.equal(signing.result.outcome, 'signed');
  });

  it(
    'lists the identification in the Web UI with its scenario, phase and external reference',
    needsChromium,
    async () => {
      identifiedCustomer(identification?.result);
      // The list reads visibility, which trails the workflow a little, and does not refresh itself.
      await waitUntilVisible(stack, identification.workflowId);
      await page.goto(`${stack.uiUrl}/namespaces/default/workflows`);
      const listed = page.getByRole('link', { name: identification.workflowId, exact: true });
      await listed.waitFor();
      await screenshot(page, '5-web-ui-workflow-list');
      await assertNoPersonalData(page, personalData());

      await listed.click();
      await showsCiphertextOnly(page, '6-web-ui-identification');
      await assertNoPersonalData(page, personalData());

      assert.deepEqual(await searchAttributesShown(page, '7-web-ui-identification-search-attributes'), {
        BoricaScenario: 'web-identification',
        BoricaPhase: 'identified',
        BoricaExternalRef: 'browser-web-1',
      });
      await assertNoPersonalData(page, personalData());
    },
  );

  it(
    'shows the signing in the Web UI without the document or the customer in it',
    needsChromium,
    async () => {
      assert.ok(signing?.result?.outcome === 'signed', 'the signing step must pass first');
      await page.goto(
        `${stack.uiUrl}/namespaces/default/workflows/${encodeURIComponent(signing.workflowId)}`,
      );
      await showsCiphertextOnly(page, '8-web-ui-signing');
      await assertNoPersonalData(page, personalData());

      assert.deepEqual(await searchAttributesShown(page, '9-web-ui-signing-search-attributes'), {
        BoricaScenario: 'otc-signing',
        BoricaPhase: 'signed',
        BoricaExternalRef: 'browser-sign-1',
      });
      await assertNoPersonalData(page, personalData());
    },
  );

  /** Everything that identifies the customer, as the sandbox and the workflows know it. */
  function personalData(): string[] {
    const { clientIdentifier } = identifiedCustomer(identification.result);
    return [
      CUSTOMER_NAME,
      customerPerson.identificatorValue,
      customerPerson.dateOfBirth ?? '',
      clientIdentifier,
    ];
  }
});

function identifiedCustomer(result: WebIdentificationResult | undefined) {
  assert.ok(result?.outcome === 'identified', 'the identification step must pass first');
  return result;
}

/** A one-page contract naming the customer, so that a leak of the document would show. */
async function loanAgreement() {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  const page = pdf.addPage([595, 842]);
  page.drawText('Loan agreement', { x: 72, y: 760, size: 18, font });
  page.drawText(`Borrower: ${CUSTOMER_NAME}, EGN ${customerPerson.identificatorValue}`, {
    x: 72,
    y: 730,
    size: 11,
    font,
  });

  return {
    content: await pdf.save(),
    fileName: 'loan-agreement.pdf',
    legalFileName: `Loan agreement for ${CUSTOMER_NAME}`,
    signaturePosition: { pageNumber: 1, imageXAxis: 72, imageYAxis: 600, imageWidth: 200, imageHeight: 60 },
  };
}

async function waitUntilVisible(stack: UiStack, workflowId: string): Promise<void> {
  const query = `WorkflowId = "${workflowId}"`;
  const deadline = Date.now() + 30_000;
  while ((await stack.rawClient.workflow.count(query)).count === 0) {
    if (Date.now() > deadline) throw new Error(`${workflowId} is not in Temporal's visibility after 30 s`);
    await sleep(100);
  }
}

async function assertNoPersonalData(page: Page, values: readonly string[]): Promise<void> {
  const html = await page.content();
  for (const value of values.filter(Boolean)) {
    // The message names the page, never the value.
    assert.ok(!html.includes(value), `the Web UI at ${page.url()} shows personal data`);
  }
}

async function assertOutcome(page: Page, text: string): Promise<void> {
  const outcome = page.locator('#outcome');
  await outcome.waitFor();
  assert.equal((await outcome.textContent())?.trim(), text);
}

/**
 * Waits for a workflow's detail page to show its input and result as the encrypted payloads'
 * base64: the UI runs without the codec server, so it must never see plaintext. The first
 * rendering of a box is not always its last (one run read it as an object), so this waits for
 * the ciphertext instead of reading the box once.
 */
async function showsCiphertextOnly(page: Page, name: string): Promise<void> {
  for (const label of ['Input', 'Result']) {
    const box = page.getByRole('textbox', { name: label, exact: true });
    try {
      await box.filter({ hasText: /^"[A-Za-z0-9+/]+=*"$/ }).waitFor();
    } catch (error) {
      // Names the box, never its content: that is what might hold personal data.
      throw new Error(`${label} on ${page.url()} is not shown as one base64 ciphertext`, { cause: error });
    }
  }
  await screenshot(page, name);
}

/** Opens the Search Attributes tab and returns the project's attributes it shows. */
async function searchAttributesShown(page: Page, name: string): Promise<Record<string, unknown>> {
  await page.getByRole('tab', { name: 'Search Attributes' }).click();
  const box = page.getByRole('textbox', { name: 'Search Attributes', exact: true });
  await box.getByText('BoricaPhase').waitFor();
  await screenshot(page, name);

  const shown = JSON.parse((await box.textContent()) ?? '') as Record<string, unknown>;
  return Object.fromEntries(
    ['BoricaScenario', 'BoricaPhase', 'BoricaExternalRef'].map((key) => [key, shown[key]]),
  );
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
