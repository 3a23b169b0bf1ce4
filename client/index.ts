/**
 * The typed library a business service uses to run BORICA identifications and signings as
 * Temporal workflows: start them, follow their phase, wait for their result, cancel them and
 * read the PDFs they produced. Every input is checked first ({@link InputError}); every
 * Temporal error becomes one of a few documented errors ({@link BoricaFlowsError}).
 *
 * @example
 * ```ts
 * const keys = parseKeyRing(process.env.PAYLOAD_ENCRYPTION_KEYS ?? '');
 * const flows = await connectBoricaFlows({
 *   address: 'localhost:7233',
 *   taskQueue: 'borica-flows',
 *   keys,
 *   documents: createFileDocumentStore({ dir: '/var/lib/borica-flows/documents', keys }),
 * });
 *
 * const { workflowId, redirectUrl } = await flows.startWebIdentification({
 *   externalRef: 'loan-2024-0042',
 *   reason: 'Consumer loan application',
 *   successUrl: 'https://bank.example/identified',
 *   cancelUrl: 'https://bank.example/cancelled',
 * });
 * // send the customer to redirectUrl, then:
 * const result = await flows.result(workflowId); // typed as WebIdentificationResult
 * if (result.outcome === 'identified') {
 *   const certificate = await flows.readDocument(result.certificate);
 * }
 * await flows.close();
 * ```
 *
 * @module
 */
import {
  Client,
  Connection,
  type TLSConfig,
  WithStartWorkflowOperation,
  type WorkflowExecutionInfo,
  type WorkflowExecutionStatusName,
} from '@temporalio/client';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import type { UpdateDefinition } from '@temporalio/common';
import type { DocumentStore } from '../activities/document-store';
import type { KeyRing } from '../codec/keys';
import { EncryptionCodec, encryptedDataConverter } from '../codec/payload-codec';
import {
  type CustomerRedirect,
  customerRedirectUpdate,
  type DocumentRef,
  type DocumentToSign,
  type DocumentUrl,
  documentUrlUpdate,
  externalRefAttribute,
  finishSignal,
  type MobileIdentificationInput,
  type MobileIdentificationResult,
  type OnboardAndSignInput,
  type OnboardAndSignResult,
  type OtcSigningInput,
  type OtcSigningResult,
  type Phase,
  phaseAttribute,
  requestSignaturesUpdate,
  type Scenario,
  type SigningRequest,
  scenarioAttribute,
  statusQuery,
  type WebIdentificationInput,
  type WebIdentificationResult,
  type WorkflowStatus,
  workflowIdFor,
} from '../workflows/definitions';
import { ClientConfigurationError, InputError, TemporalUnavailableError } from './errors';
import { translateTemporalError } from './temporal-errors';
import {
  DEFAULT_DOCUMENT_LIMITS,
  type DocumentLimits,
  type ListFilter,
  parseListFilter,
  parseMobileIdentificationInput,
  parseSignatureRequest,
  parseSigningRound,
  parseWebIdentificationInput,
  parseWorkflowId,
  type SignatureRequest,
  type SigningRoundRequest,
  type ValidDocument,
} from './validation';

export type {
  CustomerRedirect,
  Deadline,
  DocumentRef,
  DocumentUrl,
  MobileIdentificationInput,
  MobileIdentificationResult,
  OnboardAndSignInput,
  OnboardAndSignResult,
  OtcSigningResult,
  Phase,
  Scenario,
  WebIdentificationInput,
  WebIdentificationResult,
  WorkflowStatus,
} from '../workflows/definitions';
export { workflowIdFor } from '../workflows/definitions';
export * from './errors';
export * from './validation';

// ---------------------------------------------------------------------------------------------
// Types

/** A workflow id of one scenario, as {@link workflowIdFor} builds it. */
export type WorkflowIdOf<S extends Scenario> = `${S}:${string}`;

/** What each scenario's workflow returns. */
export interface ScenarioResults {
  'mobile-identification': MobileIdentificationResult;
  'web-identification': WebIdentificationResult;
  'otc-signing': OtcSigningResult;
  'onboard-and-sign': OnboardAndSignResult;
}

/** The result of any of the workflows. */
export type AnyFlowResult = ScenarioResults[Scenario];

/** A started workflow. */
export interface StartedFlow<S extends Scenario> {
  readonly workflowId: WorkflowIdOf<S>;
  /** The run the id points to; the same on every call with the same external reference. */
  readonly runId: string;
}

/** A started web identification (or onboard-and-sign) and where to send the customer. */
export type StartedWebIdentification<S extends 'web-identification' | 'onboard-and-sign'> = StartedFlow<S> &
  CustomerRedirect;

/** A started OTC signing and where the customer reads and signs. */
export type StartedSigning = StartedFlow<'otc-signing'> & DocumentUrl;

/** One workflow as visibility shows it; holds no personal data. */
export interface FlowSummary {
  readonly workflowId: string;
  readonly runId: string;
  readonly scenario?: Scenario;
  readonly phase?: Phase;
  readonly externalRef?: string;
  /** Temporal's execution status: `RUNNING`, `COMPLETED`, `CANCELLED`, … */
  readonly status: WorkflowExecutionStatusName;
  readonly startedAt: Date;
  readonly closedAt?: Date;
}

/** One page of {@link BoricaFlows.list}. */
export interface FlowPage {
  readonly flows: readonly FlowSummary[];
  /** Pass as `pageToken` for the next page; absent on the last page. */
  readonly nextPageToken?: string;
}

/** What {@link BoricaFlows} is built from. */
export interface BoricaFlowsOptions {
  /** A Temporal client whose data converter is {@link encryptedDataConverter}. */
  readonly client: Client;
  readonly taskQueue: string;
  /** Where PDFs go before their references are handed to a workflow. */
  readonly documents: DocumentStore;
  /** Document count and size limits; {@link DEFAULT_DOCUMENT_LIMITS} by default. */
  readonly limits?: Partial<DocumentLimits>;
  /** The Temporal address, named in {@link TemporalUnavailableError}. */
  readonly address?: string;
  /** Close the client's connection in {@link BoricaFlows.close}; set by {@link connectBoricaFlows}. */
  readonly ownsConnection?: boolean;
}

/** What {@link connectBoricaFlows} needs. */
export interface BoricaFlowsConfig {
  /** `host:port` of the Temporal frontend (`TEMPORAL_ADDRESS`). */
  readonly address: string;
  /** Defaults to `default` (`TEMPORAL_NAMESPACE`). */
  readonly namespace?: string;
  /** `TEMPORAL_TASK_QUEUE`. */
  readonly taskQueue: string;
  /** The payload keys (`PAYLOAD_ENCRYPTION_KEYS`), shared with the workers. */
  readonly keys: KeyRing;
  readonly documents: DocumentStore;
  /** TLS towards Temporal (`TEMPORAL_TLS*`); off unless given, or unless an API key is. */
  readonly tls?: TLSConfig | boolean;
  /** An API key the Temporal server accepts (`TEMPORAL_API_KEY`), e.g. Temporal Cloud's. */
  readonly apiKey?: string;
  /** How long to wait for Temporal to answer the first call; 10 s by default. */
  readonly connectTimeoutMs?: number;
  readonly limits?: Partial<DocumentLimits>;
}

// Workflows are started by type name, so this module needs nothing from the workflow code.
type MobileIdentificationWorkflow = (input: MobileIdentificationInput) => Promise<MobileIdentificationResult>;

const WORKFLOW_TYPES: Record<Scenario, string> = {
  'mobile-identification': 'mobileIdentificationWorkflow',
  'web-identification': 'webIdentificationWorkflow',
  'otc-signing': 'otcSigningWorkflow',
  'onboard-and-sign': 'onboardAndSignWorkflow',
};

/**
 * A workflow id runs at most once: a start with the id of a running workflow returns that
 * workflow, a start with the id of a closed one is refused ({@link FlowClosedError}).
 */
const ONE_WORKFLOW_PER_ID = {
  workflowIdReusePolicy: 'REJECT_DUPLICATE',
  workflowIdConflictPolicy: 'USE_EXISTING',
} as const;

/** The scenario a workflow id belongs to, or undefined for an id this library did not make. */
export function scenarioOf(workflowId: string): Scenario | undefined {
  const prefix = workflowId.slice(0, workflowId.indexOf(':'));
  return prefix in WORKFLOW_TYPES ? (prefix as Scenario) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Connecting

/**
 * Connects to Temporal with the project's encrypted data converter and returns a
 * {@link BoricaFlows} that closes the connection in {@link BoricaFlows.close}.
 *
 * @throws {@link TemporalUnavailableError} when Temporal does not answer in time.
 */
export async function connectBoricaFlows(config: BoricaFlowsConfig): Promise<BoricaFlows> {
  const connection = await connect(config);
  const client = new Client({
    connection,
    namespace: config.namespace ?? 'default',
    dataConverter: encryptedDataConverter(config.keys),
  });

  return new BoricaFlows({
    client,
    taskQueue: config.taskQueue,
    documents: config.documents,
    address: config.address,
    ownsConnection: true,
    ...(config.limits ? { limits: config.limits } : {}),
  });
}

async function connect(config: BoricaFlowsConfig): Promise<Connection> {
  try {
    return await Connection.connect({
      address: config.address,
      connectTimeout: config.connectTimeoutMs ?? 10_000,
      ...(config.tls === undefined ? {} : { tls: config.tls }),
      ...(config.apiKey === undefined ? {} : { apiKey: config.apiKey }),
    });
  } catch (error) {
    // Options are checked before any network call and fail with a TypeError; anything else is reachability.
    if (error instanceof TypeError) throw error;
    throw new TemporalUnavailableError(config.address, { cause: error });
  }
}

// ---------------------------------------------------------------------------------------------
// The client

/**
 * Starts, follows, cancels and reads BORICA identifications and signings. Every method checks
 * its input before it touches Temporal or the document store, and throws only the errors in
 * {@link BoricaFlowsError}'s family, or the document store's own.
 *
 * **One workflow per external reference.** Workflow ids are derived from the scenario and the
 * `externalRef` ({@link workflowIdFor}). Sending the same request twice while its workflow runs
 * starts nothing new: the second call returns the running workflow (and, for the web and
 * signing starts, the same redirect or document URL). Once that workflow has ended, a start
 * with the same reference throws {@link FlowClosedError}; use a new reference for a new
 * request. So a business service can safely retry a start after a timeout.
 */
export class BoricaFlows {
  private readonly client: Client;
  private readonly taskQueue: string;
  private readonly documents: DocumentStore;
  private readonly limits: DocumentLimits;
  private readonly address: string | undefined;
  private readonly ownsConnection: boolean;

  /** @throws {@link ClientConfigurationError} when the client does not encrypt payloads. */
  constructor(options: BoricaFlowsOptions) {
    assertEncrypts(options.client);
    this.client = options.client;
    this.taskQueue = options.taskQueue;
    this.documents = options.documents;
    this.limits = { ...DEFAULT_DOCUMENT_LIMITS, ...options.limits };
    this.address = options.address;
    this.ownsConnection = options.ownsConnection ?? false;
  }

  /**
   * Starts a B-Trust MOBILE identification. Returns as soon as the workflow exists; follow it
   * with {@link BoricaFlows.status} and wait for it with {@link BoricaFlows.result}.
   *
   * @throws {@link InputError} for a malformed input (for an EGN: digits, check digit, and the birth date it encodes against `person.dateOfBirth`).
   * @throws {@link FlowClosedError} when a workflow with this `externalRef` has already ended.
   */
  async startMobileIdentification(
    input: MobileIdentificationInput,
  ): Promise<StartedFlow<'mobile-identification'>> {
    const valid = parseMobileIdentificationInput(input);
    const workflowId = workflowIdFor(
      'mobile-identification',
      valid.externalRef,
    ) as WorkflowIdOf<'mobile-identification'>;

    const handle = await this.guard(workflowId, 'the start', () =>
      this.client.workflow.start<MobileIdentificationWorkflow>(WORKFLOW_TYPES['mobile-identification'], {
        ...this.startOptions('mobile-identification', valid.externalRef, workflowId),
        args: [valid],
      }),
    );
    return { workflowId, runId: handle.firstExecutionRunId };
  }

  /**
   * Starts a web (video) identification and returns, in the same call, the URL to send the
   * customer to and when it expires.
   *
   * @throws {@link InputError} for a malformed input.
   * @throws {@link FlowClosedError} when a workflow with this `externalRef` has already ended.
   * @throws {@link RequestRefusedError} when BORICA's web session or registration could not be created.
   */
  async startWebIdentification(
    input: WebIdentificationInput,
  ): Promise<StartedWebIdentification<'web-identification'>> {
    const valid = parseWebIdentificationInput(input);
    return await this.startWithUpdate<WebIdentificationInput, CustomerRedirect, 'web-identification'>(
      'web-identification',
      valid,
      customerRedirectUpdate,
    );
  }

  /**
   * Asks for signatures on PDFs after a web identification: stores the documents, starts an
   * OTC signing workflow with their references only, and returns the URL where the customer
   * reads and signs them.
   *
   * @throws {@link InputError} for a malformed request, a document that is not a PDF, or one over the limits.
   * @throws {@link FlowClosedError} when a signing with this `externalRef` has already ended.
   * @throws {@link RequestRefusedError} when BORICA refused the sign session.
   */
  async requestSignatures(request: SignatureRequest): Promise<StartedSigning> {
    const valid = parseSignatureRequest(request, this.limits);
    const documents = await this.storeAll(valid.documents);

    return await this.startWithUpdate<OtcSigningInput, DocumentUrl, 'otc-signing'>(
      'otc-signing',
      { ...valid, documents },
      documentUrlUpdate,
    );
  }

  /**
   * Starts an onboarding: a web identification followed by signing rounds asked for with
   * {@link BoricaFlows.requestOnboardingSignatures} and ended with {@link BoricaFlows.finishOnboarding}.
   * Returns the customer redirect URL like {@link BoricaFlows.startWebIdentification}.
   */
  async startOnboardAndSign(
    input: OnboardAndSignInput,
  ): Promise<StartedWebIdentification<'onboard-and-sign'>> {
    const valid = parseWebIdentificationInput(input);
    return await this.startWithUpdate<OnboardAndSignInput, CustomerRedirect, 'onboard-and-sign'>(
      'onboard-and-sign',
      valid,
      customerRedirectUpdate,
    );
  }

  /**
   * Asks an onboard-and-sign workflow for another signing round; stores the documents first and
   * returns the round's document URL. Give `roundRef` to make a retried call safe.
   *
   * @throws {@link RequestRefusedError} when the customer is not identified (yet), or BORICA refused the sign session.
   * @throws {@link FlowClosedError} when the onboarding has already ended.
   */
  async requestOnboardingSignatures(workflowId: string, request: SigningRoundRequest): Promise<DocumentUrl> {
    const id = parseWorkflowId(workflowId);
    const { roundRef, ...round } = parseSigningRound(request, this.limits);
    const documents = await this.storeAll(round.documents);

    const signing: SigningRequest = { ...round, documents };
    return await this.guard(id, `the ${requestSignaturesUpdate.name} update`, () =>
      this.client.workflow.getHandle(id).executeUpdate(requestSignaturesUpdate, {
        args: [signing],
        ...(roundRef ? { updateId: `signatures:${roundRef}` } : {}),
      }),
    );
  }

  /** Tells an onboard-and-sign workflow that no more signing rounds will be asked for. */
  async finishOnboarding(workflowId: string): Promise<void> {
    const id = parseWorkflowId(workflowId);
    await this.guard(id, `the ${finishSignal.name} signal`, () =>
      this.client.workflow.getHandle(id).signal(finishSignal),
    );
  }

  /**
   * Where a workflow stands, as the workflow itself reports it (needs a worker to answer).
   * For what visibility knows without a worker, use {@link BoricaFlows.describe}. With
   * `timeoutMs`, gives up (with Temporal's deadline error) when no worker answers in time.
   */
  async status(workflowId: string, options: { readonly timeoutMs?: number } = {}): Promise<WorkflowStatus> {
    const id = parseWorkflowId(workflowId);
    const query = () => this.client.workflow.getHandle(id).query(statusQuery);
    const { timeoutMs } = options;

    return await this.guard(id, 'the status query', () =>
      timeoutMs === undefined ? query() : this.client.withDeadline(Date.now() + timeoutMs, query),
    );
  }

  /** The workflow's scenario, phase, external reference and execution status, from Temporal. */
  async describe(workflowId: string): Promise<FlowSummary> {
    const id = parseWorkflowId(workflowId);
    const description = await this.guard(id, 'the description', () =>
      this.client.workflow.getHandle(id).describe(),
    );
    return summarize(description);
  }

  /**
   * Waits for the workflow to end and returns its result, typed by the scenario the id names.
   *
   * @throws {@link FlowFailedError} when it was cancelled, terminated, timed out or failed.
   */
  async result<S extends Scenario>(workflowId: WorkflowIdOf<S>): Promise<ScenarioResults[S]>;
  async result(workflowId: string): Promise<AnyFlowResult>;
  async result(workflowId: string): Promise<AnyFlowResult> {
    const id = parseWorkflowId(workflowId);
    return await this.guard(
      id,
      'the result',
      () => this.client.workflow.getHandle(id).result() as Promise<AnyFlowResult>,
    );
  }

  /**
   * Asks the workflow to cancel; it stops waiting, and {@link BoricaFlows.result} then throws a
   * {@link FlowFailedError} whose `ending` is `cancelled`. Temporal accepts a cancellation of a
   * workflow that has already ended and changes nothing, so neither does this method.
   */
  async cancel(workflowId: string): Promise<void> {
    const id = parseWorkflowId(workflowId);
    await this.guard(id, 'the cancellation', () => this.client.workflow.getHandle(id).cancel());
  }

  /** Reads a PDF a result refers to; the store checks its SHA-256. */
  async readDocument(ref: DocumentRef): Promise<Buffer> {
    checkDocumentRef(ref);
    return await this.documents.get(ref);
  }

  /**
   * Deletes a PDF from the document store once your service has kept it elsewhere, so that the
   * store holds personal data no longer than needed. Resolves to false when it was already gone.
   * Delete nothing a running workflow may still upload: a signing's documents are read when it
   * starts.
   *
   * @throws {@link InputError} when `ref` is not a document reference.
   */
  async deleteDocument(ref: DocumentRef): Promise<boolean> {
    checkDocumentRef(ref);
    return await this.documents.delete(ref);
  }

  /**
   * Lists this project's workflows, newest first as Temporal's visibility returns them,
   * optionally only one scenario or one phase. Visibility lags a little behind the workflows.
   */
  async list(filter: ListFilter = {}): Promise<FlowPage> {
    const valid = parseListFilter(filter);
    const response = await this.guard('(list)', 'the list', () =>
      this.client.workflowService.listWorkflowExecutions({
        namespace: this.client.options.namespace,
        query: visibilityQuery(valid),
        pageSize: valid.pageSize ?? 100,
        nextPageToken: valid.pageToken ? Buffer.from(valid.pageToken, 'base64') : null,
      }),
    );

    const converter = this.client.options.loadedDataConverter;
    const namespace = this.client.options.namespace;
    const flows = await Promise.all(
      response.executions.map(async (raw) =>
        summarize(await executionInfoFromRaw(raw, converter, raw, namespace)),
      ),
    );
    const token = response.nextPageToken;
    return token && token.length > 0
      ? { flows, nextPageToken: Buffer.from(token).toString('base64') }
      : { flows };
  }

  /** Closes the Temporal connection if {@link connectBoricaFlows} opened it. */
  async close(): Promise<void> {
    if (this.ownsConnection) await this.client.connection.close();
  }

  // -------------------------------------------------------------------------------------------

  private startOptions(scenario: Scenario, externalRef: string, workflowId: string) {
    return {
      taskQueue: this.taskQueue,
      workflowId,
      ...ONE_WORKFLOW_PER_ID,
      typedSearchAttributes: [
        { key: scenarioAttribute, value: scenario },
        { key: phaseAttribute, value: 'requesting' satisfies Phase },
        { key: externalRefAttribute, value: externalRef },
      ],
    };
  }

  /**
   * Update-with-start: the workflow starts (or is found running) and the update's answer comes
   * back in the same call. The fixed update id makes a repeated call get the first call's answer.
   */
  private async startWithUpdate<I extends { readonly externalRef: string }, R, S extends Scenario>(
    scenario: S,
    input: I,
    update: UpdateDefinition<R, []>,
  ): Promise<StartedFlow<S> & R> {
    const workflowId = workflowIdFor(scenario, input.externalRef) as WorkflowIdOf<S>;
    const operation = new WithStartWorkflowOperation<(input: I) => Promise<unknown>>(
      WORKFLOW_TYPES[scenario],
      {
        ...this.startOptions(scenario, input.externalRef, workflowId),
        args: [input],
      },
    );

    const answer = await this.guard(workflowId, `the ${update.name} update`, () =>
      this.client.workflow.executeUpdateWithStart(update, {
        startWorkflowOperation: operation,
        updateId: update.name,
      }),
    );
    // The handle update-with-start gives back does not carry the run id; describe knows it.
    const handle = await operation.workflowHandle();
    const { runId } = await this.guard(workflowId, 'the description', () => handle.describe());
    return { ...answer, workflowId, runId };
  }

  private async storeAll(documents: readonly ValidDocument[]): Promise<DocumentToSign[]> {
    return await Promise.all(
      documents.map(async ({ bytes, ...presentation }) => ({
        ...presentation,
        document: await this.documents.put(bytes),
      })),
    );
  }

  private async guard<T>(workflowId: string, request: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw await translateTemporalError(error, {
        workflowId,
        request,
        address: this.address,
        exists: async () => Boolean(await this.client.workflow.getHandle(workflowId).describe()),
      });
    }
  }
}

// ---------------------------------------------------------------------------------------------

function assertEncrypts(client: Client): void {
  const codecs = client.options.loadedDataConverter.payloadCodecs;
  if (codecs.some((codec) => codec instanceof EncryptionCodec)) return;
  throw new ClientConfigurationError(
    'The Temporal client does not encrypt payloads, so personal data would reach workflow history in clear: create it with `dataConverter: encryptedDataConverter(keys)`.',
  );
}

function visibilityQuery(filter: ListFilter): string {
  const types = Object.values(WORKFLOW_TYPES)
    .map((type) => `'${type}'`)
    .join(', ');
  const clauses = [`WorkflowType IN (${types})`];
  // Both values come from fixed enums (checked by parseListFilter), so quoting them is safe.
  if (filter.scenario) clauses.push(`${scenarioAttribute.name} = '${filter.scenario}'`);
  if (filter.phase) clauses.push(`${phaseAttribute.name} = '${filter.phase}'`);
  return clauses.join(' AND ');
}

type ExecutionInfo = Pick<
  WorkflowExecutionInfo,
  'workflowId' | 'runId' | 'status' | 'startTime' | 'closeTime' | 'typedSearchAttributes'
>;

function summarize(info: ExecutionInfo): FlowSummary {
  const attributes = info.typedSearchAttributes;
  const scenario = attributes.get(scenarioAttribute);
  const phase = attributes.get(phaseAttribute);
  const externalRef = attributes.get(externalRefAttribute);
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    status: info.status.name,
    startedAt: info.startTime,
    ...(scenario ? { scenario: scenario as Scenario } : {}),
    ...(phase ? { phase: phase as Phase } : {}),
    ...(externalRef ? { externalRef } : {}),
    ...(info.closeTime ? { closedAt: info.closeTime } : {}),
  };
}

function checkDocumentRef(ref: unknown): asserts ref is DocumentRef {
  if (!isDocumentRef(ref)) {
    throw new InputError([
      { field: 'ref', expected: 'expected a document reference from a workflow result' },
    ]);
  }
}

function isDocumentRef(value: unknown): value is DocumentRef {
  const ref = value as Partial<DocumentRef> | null;
  return (
    typeof ref === 'object' &&
    ref !== null &&
    typeof ref.id === 'string' &&
    typeof ref.sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(ref.sha256) &&
    Number.isSafeInteger(ref.size)
  );
}
