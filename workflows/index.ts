/**
 * The workflows, as the worker loads them (`workflowsPath: require.resolve('./workflows')`).
 * Their names, inputs, results and messages are in {@link ./definitions}.
 */
export { mobileIdentificationWorkflow } from './mobile-identification';
export { type OnboardAndSignCheckpoint, onboardAndSignWorkflow } from './onboard-and-sign';
export { otcSigningWorkflow } from './otc-signing';
export { webIdentificationWorkflow } from './web-identification';
