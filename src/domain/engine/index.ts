/** The account engine: pure rules over plain state; the workflow is its shell. */
export { decide, type Decision } from './engine';
export { EngineRefusal } from './context';
export { checkControl } from './controls';
export { planProposals } from './arrangement-watch';
export { accountView, changedVisibility, currentDetails, visibility, type Visibility } from './visibility';
export { fromCarried, initialState, type EngineConfig, type EngineState } from './state';
export type { Command, Control, ContactEffect, Effect, EffectFailure, EffectValues, EngineEvent, OrderEffect, ArrangementSnapshot, ChargeOnFileInput, SaveCommand } from './commands';
export { isSave } from './commands';
export { debtorPageView, openQuestions } from './self-service';
export { WORK_KINDS, WORK_OUTCOMES, type WorkKind, type WorkItemDraft, type WorkOutcomeRequest } from './work-records';
export { appealLetterLines } from './claims';
export type { ClaimAppealInput, ClaimStatusInput, WorkEffect } from './commands';
