/**
 * The errors {@link BoricaFlows} throws. Every one extends {@link BoricaFlowsError}, keeps the
 * error it stands for as `cause`, and says what to do next. None of them ever carries an input
 * value: an input may be an EGN, a phone number or a document.
 *
 * | error | when |
 * | --- | --- |
 * | {@link InputError} | the input breaks a rule; nothing was started or sent |
 * | {@link ClientConfigurationError} | the client or its configuration cannot work |
 * | {@link TemporalUnavailableError} | the Temporal service could not be reached |
 * | {@link FlowNotFoundError} | no workflow has the given id |
 * | {@link FlowClosedError} | the workflow has already ended, so the request cannot be applied |
 * | {@link RequestRefusedError} | the workflow refused a request (an update) or failed to carry it out |
 * | {@link FlowFailedError} | the workflow ended without a result: cancelled, terminated, timed out or failed |
 *
 * @module
 */

/** Base of every error {@link BoricaFlows} throws; `name` is the subclass's name. */
export abstract class BoricaFlowsError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One broken rule: the dotted path of the field and what it should be. */
export interface InputIssue {
  readonly field: string;
  readonly expected: string;
}

/**
 * The input breaks a rule; nothing was started, stored or sent. `field` is the dotted path of
 * the first offending field (`person.identificatorValue`, `documents.0.content`) and `issues`
 * lists every one. Messages describe what is expected, never the value that was given.
 */
export class InputError extends BoricaFlowsError {
  readonly field: string;
  readonly issues: readonly InputIssue[];

  constructor(issues: readonly [InputIssue, ...InputIssue[]], options?: ErrorOptions) {
    const list = issues.map((issue) => `${issue.field}: ${issue.expected}`).join('; ');
    super(
      `Invalid input: ${list}. Correct ${issues.length > 1 ? 'these fields' : 'this field'} and try again.`,
      options,
    );
    this.field = issues[0].field;
    this.issues = issues;
  }
}

/** The client was built or configured in a way that cannot work; the message names the setting. */
export class ClientConfigurationError extends BoricaFlowsError {}

/** The Temporal service did not answer. Nothing is known to have changed. */
export class TemporalUnavailableError extends BoricaFlowsError {
  constructor(
    readonly address: string | undefined,
    options?: ErrorOptions,
  ) {
    const where = address ? ` at ${address}` : '';
    super(
      `The Temporal service${where} could not be reached: check TEMPORAL_ADDRESS and that the service is up, then retry.`,
      options,
    );
  }
}

/** No workflow has this id in the namespace. */
export class FlowNotFoundError extends BoricaFlowsError {
  constructor(
    readonly workflowId: string,
    options?: ErrorOptions,
  ) {
    super(
      `No workflow with id "${workflowId}" exists: check the id (\`borica-flows list\` shows them) and the TEMPORAL_NAMESPACE.`,
      options,
    );
  }
}

/**
 * The workflow has already ended, so a start, update, signal or cancellation cannot reach it.
 * Starting with an external reference whose workflow has ended raises this too: external
 * references are never reused, because each start may create a billable request at BORICA.
 */
export class FlowClosedError extends BoricaFlowsError {
  constructor(
    readonly workflowId: string,
    options?: ErrorOptions,
  ) {
    super(
      `The workflow "${workflowId}" has already ended: read its outcome with result(); to make a new request, use a new external reference.`,
      options,
    );
  }
}

/**
 * The workflow refused a request or could not carry it out, for example signatures asked for
 * before the customer is identified, or BORICA refusing the sign session. `reason` is the
 * workflow's own explanation (it never holds personal data).
 */
export class RequestRefusedError extends BoricaFlowsError {
  constructor(
    readonly workflowId: string,
    readonly request: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(
      `The workflow "${workflowId}" did not carry out ${request}: ${reason}. Check its status before asking again.`,
      options,
    );
  }
}

/** How a workflow ended without a result. */
export type FlowEnding = 'cancelled' | 'terminated' | 'timed-out' | 'failed';

/** The workflow ended without a result; `ending` says how. */
export class FlowFailedError extends BoricaFlowsError {
  constructor(
    readonly workflowId: string,
    readonly ending: FlowEnding,
    options?: ErrorOptions,
  ) {
    super(`The workflow "${workflowId}" ${describeEnding(ending)}`, options);
  }
}

function describeEnding(ending: FlowEnding): string {
  switch (ending) {
    case 'cancelled':
      return 'was cancelled before it finished; start a new request with a new external reference if still needed.';
    case 'terminated':
      return 'was terminated by an operator; ask them why before starting a new request.';
    case 'timed-out':
      return 'timed out; start a new request with a new external reference.';
    case 'failed':
      return 'failed; the worker logs for this workflow id say why.';
  }
}
