import { type Command, Option } from 'commander';
import {
  parseMobileIdentificationInput,
  parseSignatureRequest,
  parseSigningRound,
  parseWebIdentificationInput,
} from '../validation';
import { withFlows } from './context';
import { numberFlag, overlay, parsePosition, readDocuments, readInputFile } from './input';
import { printRecord, type Streams } from './output';

/** Runs an action and reports its exit code; errors are handled by the program. */
export type Run = (action: () => Promise<number | undefined>) => Promise<void>;

const INPUT_HELP =
  'JSON file with the input fields, named as in the library; "-" reads it from stdin. Flags override its fields. Prefer this for personal data: flags end up in shell history and process lists.';

export function addStartCommands(program: Command, streams: Streams, run: Run, json: () => boolean): void {
  addMobile(program, streams, run, json);
  addWeb(program, streams, run, json);
  addSign(program, streams, run, json);
  addOnboard(program, streams, run, json);
}

// ---------------------------------------------------------------------------------------------

function addMobile(program: Command, streams: Streams, run: Run, json: () => boolean): void {
  const mobile = program.command('mobile').description('B-Trust MOBILE identification');

  mobile
    .command('start')
    .description('Start a B-Trust MOBILE identification; prints the workflow id.')
    .option('--input <file>', INPUT_HELP)
    .option('--external-ref <ref>', 'your reference for this request: 1-100 of A-Z a-z 0-9 . _ -')
    .addOption(
      new Option('--doc-type <type>', 'kind of identifier (default EGN)').choices([
        'EGN',
        'LNC',
        'EMAIL',
        'PHONE',
      ]),
    )
    .option('--identifier <value>', 'the EGN, LNC, e-mail or phone number that identifies the person')
    .option('--date-of-birth <dd-MM-yyyy>', 'birth date of the person')
    .option('--phone <e164>', 'phone number in E.164 form, e.g. +359888123456')
    .option('--email <address>', 'e-mail address of the person')
    .option('--reason <text>', 'why the identification is needed (shown to the person)')
    .addOption(new Option('--language <language>', 'language of the messages').choices(['bg', 'en']))
    .option('--poll-interval-ms <ms>', 'how often BORICA is asked for the result (default 5000)')
    .addHelpText(
      'after',
      `
Example input file:
  {"externalRef": "loan-42", "person": {"docType": "EGN", "identificatorValue": "…", "dateOfBirth": "16-05-1978"},
   "phoneNumber": "+359888123456", "email": "name@example.bg", "reason": "Consumer loan"}`,
    )
    .action((options: Record<string, string | undefined>) =>
      run(async () => {
        const file = await readInputFile(options.input);
        const person = overlay(isObject(file.person) ? file.person : {}, {
          docType: options.docType ?? (options.identifier && !isObject(file.person) ? 'EGN' : undefined),
          identificatorValue: options.identifier,
          dateOfBirth: options.dateOfBirth,
        });
        const input = parseMobileIdentificationInput(
          overlay(file, {
            externalRef: options.externalRef,
            person,
            phoneNumber: options.phone,
            email: options.email,
            reason: options.reason,
            language: options.language,
            pollIntervalMs: numberFlag(options.pollIntervalMs),
          }),
        );
        const started = await withFlows((flows) => flows.startMobileIdentification(input));
        printRecord(streams, { ...started }, json());
        return 0;
      }),
    );
}

function webOptions(command: Command): Command {
  return command
    .option('--input <file>', INPUT_HELP)
    .option('--external-ref <ref>', 'your reference for this request: 1-100 of A-Z a-z 0-9 . _ -')
    .option('--reason <text>', 'why the identification is needed')
    .option('--success-url <url>', 'where the customer lands after a successful identification')
    .option('--cancel-url <url>', 'where the customer lands after giving up')
    .addOption(
      new Option('--language <language>', 'language of the identification pages').choices(['bg', 'en']),
    )
    .option('--verify-email', 'have BORICA verify the e-mail address')
    .option('--verify-phone', 'have BORICA verify the phone number')
    .option('--skip-gtc-gdp', 'skip the step with the general terms and GDPR information')
    .option('--skip-main-info', 'skip the step with general information about the process')
    .option('--status-poll-interval-ms <ms>', 'how often the status is checked while no callback comes');
}

async function webInput(options: Record<string, string | boolean | undefined>) {
  const file = await readInputFile(options.input as string | undefined);
  return parseWebIdentificationInput(
    overlay(file, {
      externalRef: options.externalRef,
      reason: options.reason,
      successUrl: options.successUrl,
      cancelUrl: options.cancelUrl,
      language: options.language,
      verifyEmailAddress: options.verifyEmail,
      verifyPhoneNumber: options.verifyPhone,
      showGtcGdp: options.skipGtcGdp ? false : undefined,
      showMainInfo: options.skipMainInfo ? false : undefined,
      statusPollIntervalMs: numberFlag(options.statusPollIntervalMs as string | undefined),
    }),
  );
}

function addWeb(program: Command, streams: Streams, run: Run, json: () => boolean): void {
  const web = program.command('web').description('web (video) identification');

  webOptions(web.command('start'))
    .description('Start a web identification; prints the URL to send the customer to.')
    .action((options: Record<string, string | boolean | undefined>) =>
      run(async () => {
        const input = await webInput(options);
        const started = await withFlows((flows) => flows.startWebIdentification(input));
        printRecord(streams, { ...started }, json());
        return 0;
      }),
    );
}

function signingOptions(command: Command): Command {
  return command
    .option('--success-url <url>', 'where the customer lands after signing')
    .option('--cancel-url <url>', 'where the customer lands after refusing to sign')
    .option(
      '--title <title...>',
      'title shown for each document, in the order of the files (default: file name)',
    )
    .option('--visual-signature', 'draw a visible signature (implied by --position)')
    .option('--position <page,x,y,width,height>', 'where the visible signature goes, on every document')
    .option('--send-by-email', 'have BORICA e-mail the signed documents to the customer')
    .addOption(new Option('--language <language>', 'language of the signing pages').choices(['bg', 'en']));
}

function signingFlags(options: Record<string, unknown>) {
  return {
    successUrl: options.successUrl,
    cancelUrl: options.cancelUrl,
    sendSignedDocumentsByEmail: options.sendByEmail,
    language: options.language,
  };
}

async function documentsFrom(paths: string[], options: Record<string, unknown>) {
  return await readDocuments(paths, {
    titles: options.title as string[] | undefined,
    visualSignature: options.visualSignature as boolean | undefined,
    position: parsePosition(options.position as string | undefined),
  });
}

function addSign(program: Command, streams: Streams, run: Run, json: () => boolean): void {
  const sign = program.command('sign').description('OTC signing after a web identification');

  signingOptions(sign.command('start'))
    .description('Ask the identified customer to sign PDFs; prints the URL where they read and sign them.')
    .argument('<pdf...>', 'PDF files to sign')
    .option('--input <file>', INPUT_HELP)
    .option('--external-ref <ref>', 'your reference for this signing: 1-100 of A-Z a-z 0-9 . _ -')
    .option('--identifier <id>', 'clientIdentifier from the web identification result')
    .option('--sign-session-id <id>', 'signSessionId from the web identification result')
    .action((paths: string[], options: Record<string, unknown>) =>
      run(async () => {
        const file = await readInputFile(options.input as string | undefined);
        const documents = await documentsFrom(paths, options);
        const request = parseSignatureRequest(
          overlay(file, {
            ...signingFlags(options),
            externalRef: options.externalRef,
            identifier: options.identifier,
            signSessionId: options.signSessionId,
            documents,
          }),
        );
        const started = await withFlows((flows) => flows.requestSignatures({ ...request, documents }));
        printRecord(streams, { ...started }, json());
        return 0;
      }),
    );
}

function addOnboard(program: Command, streams: Streams, run: Run, json: () => boolean): void {
  const onboard = program.command('onboard').description('web identification followed by signing rounds');

  webOptions(onboard.command('start'))
    .description('Start an onboarding; prints the URL to send the customer to.')
    .action((options: Record<string, string | boolean | undefined>) =>
      run(async () => {
        const input = await webInput(options);
        const started = await withFlows((flows) => flows.startOnboardAndSign(input));
        printRecord(streams, { ...started }, json());
        return 0;
      }),
    );

  signingOptions(onboard.command('sign'))
    .description('Ask an onboarded customer to sign PDFs; prints the URL where they read and sign them.')
    .argument('<workflowId>', 'the onboarding workflow id')
    .argument('<pdf...>', 'PDF files to sign')
    .option('--input <file>', INPUT_HELP)
    .option('--round-ref <ref>', 'your reference for this round; repeating it does not start a second round')
    .action((workflowId: string, paths: string[], options: Record<string, unknown>) =>
      run(async () => {
        const file = await readInputFile(options.input as string | undefined);
        const documents = await documentsFrom(paths, options);
        const round = parseSigningRound(
          overlay(file, { ...signingFlags(options), roundRef: options.roundRef, documents }),
        );
        const url = await withFlows((flows) =>
          flows.requestOnboardingSignatures(workflowId, { ...round, documents }),
        );
        printRecord(streams, { workflowId, ...url }, json());
        return 0;
      }),
    );

  onboard
    .command('finish')
    .description('Tell an onboarding that no more signing rounds will be asked for.')
    .argument('<workflowId>', 'the onboarding workflow id')
    .action((workflowId: string) =>
      run(async () => {
        await withFlows((flows) => flows.finishOnboarding(workflowId));
        streams.err.write(`Asked ${workflowId} to finish.\n`);
        return 0;
      }),
    );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
