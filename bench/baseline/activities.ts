/**
 * The baseline's activities: the same names and result shapes as the mobile identification's,
 * doing nothing. What they cost is Temporal's own cost of running an activity.
 */
export function createBaselineActivities() {
  return {
    async requestMobileIdentification(_request: unknown): Promise<{ callbackId: string; validity: string }> {
      return {
        callbackId: '00000000-0000-4000-8000-000000000000',
        validity: new Date(Date.now() + 600_000).toISOString(),
      };
    },

    async awaitMobileIdentification(_callbackId: string) {
      return {
        state: 'finished' as const,
        identifier: 'PI:BG-0000000000',
        reason: 'baseline',
        organisation: 'baseline',
        certificate: { id: '00000000-0000-4000-8000-000000000000', sha256: '0'.repeat(64), size: 0 },
      };
    },
  };
}

export type BaselineActivities = ReturnType<typeof createBaselineActivities>;
