/** Why the sandbox refused something; the API and the control endpoints each turn it into their own body. */
export type Refusal = 'bad-request' | 'unauthorized' | 'not-found' | 'rejected' | 'conflict';

/**
 * A refusal the sandbox means to give. `detail` names what is wrong, never a value, because
 * the control API shows it and the logger may record it.
 */
export class SandboxError extends Error {
  constructor(
    readonly refusal: Refusal,
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'SandboxError';
  }
}

export function notFound(detail: string): SandboxError {
  return new SandboxError('not-found', detail);
}

export function badRequest(detail: string): SandboxError {
  return new SandboxError('bad-request', detail);
}

export function conflict(detail: string): SandboxError {
  return new SandboxError('conflict', detail);
}
