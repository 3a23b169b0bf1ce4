import { DefaultFailureConverter } from '@temporalio/common';

/** Loaded by path into workflows too: failure messages and stack traces travel encoded. */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
