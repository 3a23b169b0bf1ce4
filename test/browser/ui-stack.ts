/**
 * The product stack of `test/support/stack.ts` with the Temporal Web UI switched on, for tests
 * that look at workflows the way an operator does.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { type Stack, type StackOptions, startStack } from '../support/stack';
import { freePort } from '../worker/child-process';

export interface UiStack extends Stack {
  /** http://127.0.0.1:<port> of the dev server's Web UI. */
  readonly uiUrl: string;
}

/**
 * Starts {@link startStack} with the dev server's Web UI on a free port.
 *
 * `startStack` takes no server options, so its call to `createLocal` is widened for the
 * duration of the start, and put back even when the start fails. A server restarted later
 * would come up without the UI, hence no `persistentTemporal` here.
 */
export async function startStackWithUi(
  options: Omit<StackOptions, 'persistentTemporal'> = {},
): Promise<UiStack> {
  const uiPort = await freePort();
  const createLocal = TestWorkflowEnvironment.createLocal;
  TestWorkflowEnvironment.createLocal = (local) =>
    createLocal.call(TestWorkflowEnvironment, { ...local, server: { ...local?.server, ui: true, uiPort } });

  try {
    // Added in place: a copy would read the stack's getters once and freeze them.
    return Object.assign(await startStack(options), { uiUrl: `http://127.0.0.1:${uiPort}` });
  } finally {
    TestWorkflowEnvironment.createLocal = createLocal;
  }
}
