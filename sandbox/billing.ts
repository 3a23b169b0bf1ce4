/** The POSTs for which BORICA charges the relying party. */
export type BillableOperation = 'identification' | 'startWebIdentification' | 'startSignSession';

export interface BillableRequest {
  operation: BillableOperation;
  /** ISO 8601. */
  at: string;
  /**
   * What tells one business request from another: the identification reason, the callback URL
   * without its token, or the sign session id.
   */
  key: string;
}

/** Lets tests and benchmarks count billable requests, e.g. to prove that a retry created none. */
export class BillingLog {
  private entries: BillableRequest[] = [];

  record(operation: BillableOperation, key: string): void {
    this.entries.push({ operation, at: new Date().toISOString(), key });
  }

  list(): BillableRequest[] {
    return this.entries.map((entry) => ({ ...entry }));
  }

  clear(): void {
    this.entries = [];
  }
}

/** The callback URL's last path segment is a secret token; it is no business of a log. */
export function withoutLastSegment(url: string): string {
  const parsed = new URL(url);
  parsed.pathname = parsed.pathname.replace(/\/[^/]*\/?$/, '');
  parsed.search = '';
  parsed.hash = '';
  return parsed.toString();
}
