// The workflow bundle's entry point: workflow functions only.
export { accountWorkflow } from './account.workflow';
