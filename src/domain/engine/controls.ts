/**
 * Operator controls (pause, resume, skip, repeat, move to another cadence, close, new contact
 * details) and arrangement requests: each checked first — the same check answers the update's
 * validator, so a refused request changes nothing — then applied and noted with its reason.
 */
import { isEndStage } from '../account';
import { TERMINAL_ACTIONS } from '../cadence';
import { checkExtension, checkPlan, checkPromise, takeExtension, takePlan, takePromise } from './arrangement-watch';
import type { Control } from './commands';
import { advance, changeStage, EngineRefusal, note, recordStep, updateHold, type Ctx } from './context';
import type { OperatorRequest } from './records';
import { reportingState } from './reporting';
import { refreshNextAction } from './steps';
import { applyWorkOutcome, checkWorkOutcome } from './work-outcomes';
import type { EngineConfig, EngineState } from './state';

const refuse = (message: string): never => {
  throw new EngineRefusal(message, 'control_refused');
};

function requireReason(request: OperatorRequest | undefined): void {
  if (typeof request?.reason !== 'string' || request.reason.trim() === '') refuse('reason is required');
}

function requireOpen(state: EngineState): void {
  if (isEndStage(state.stage)) refuse(`the account is ${state.stage}`);
}

/** Throws an EngineRefusal naming why the control cannot be applied now; returns nothing when it can. */
export function checkControl(state: EngineState, config: EngineConfig, at: string, control: Control): void {
  switch (control.kind) {
    case 'pause':
      requireReason(control.request);
      requireOpen(state);
      if (state.stage === 'paused') refuse('the account is already paused');
      return;
    case 'resume':
      requireReason(control.request);
      if (state.stage !== 'paused') refuse(`the account is ${state.stage}, not paused`);
      return;
    case 'skip':
      requireReason(control.request);
      requireOpen(state);
      if (!state.cadence || state.nextStepIndex >= state.cadence.steps.length) refuse('there is no next step to skip');
      return;
    case 'repeat': {
      requireReason(control.request);
      requireOpen(state);
      if (state.nextStepIndex === 0) refuse('no step has run yet');
      const last = state.cadence?.steps[state.nextStepIndex - 1];
      if (last && last.action in TERMINAL_ACTIONS) refuse('the last step ended the account');
      return;
    }
    case 'close':
      requireReason(control.request);
      requireOpen(state);
      return;
    case 'move':
      requireReason(control.request);
      requireOpen(state);
      if (typeof control.request.cadence !== 'string' || control.request.cadence === '') refuse('cadence (a saved cadence name) is required');
      if (control.cadence?.products && !control.cadence.products.includes(state.profile.product))
        refuse(`cadence ${control.cadence.name} is for ${control.cadence.products.join(', ')}, not ${state.profile.product}`);
      return;
    case 'contact_details':
      requireReason(control.request);
      requireOpen(state);
      if (control.request.timezone !== undefined) {
        try {
          new Intl.DateTimeFormat('en-US', { timeZone: control.request.timezone });
        } catch {
          refuse(`timezone: ${control.request.timezone} is not an IANA time zone`);
        }
      }
      return;
    case 'promise':
      checkPromise(state, config, at, control.request);
      return;
    case 'plan':
      checkPlan(state, config, at, control.request);
      return;
    case 'extension':
      checkExtension(state, config, at, control.request);
      return;
    case 'work_outcome':
      checkWorkOutcome(state, config, at, control.request);
  }
}

/** Applies a control (checking it again: state may have moved since the validator ran). Returns the update's answer, if not the account's view. */
export function applyControl(ctx: Ctx, control: Control): unknown {
  const s = ctx.s;
  checkControl(s, ctx.config, ctx.at, control);
  switch (control.kind) {
    case 'promise':
      return takePromise(ctx, control.request);
    case 'plan':
      return takePlan(ctx, control.request);
    case 'extension':
      return takeExtension(ctx, control.request);
    case 'work_outcome': {
      const answer = applyWorkOutcome(ctx, control.request);
      refreshNextAction(ctx);
      return answer;
    }
    case 'pause':
      s.stageBeforePause = s.stage;
      s.pausedReason = control.request.reason;
      s.pausedAt = ctx.at;
      changeStage(ctx, 'paused', `paused: ${control.request.reason}`);
      updateHold(ctx);
      return operatorChange(ctx, 'pause', control.request);
    case 'resume':
      changeStage(ctx, s.stageBeforePause ?? 'reminding', `resumed: ${control.request.reason}`);
      updateHold(ctx);
      s.stageBeforePause = null;
      s.pausedReason = null;
      s.pausedAt = null;
      return operatorChange(ctx, 'resume', control.request);
    case 'skip': {
      const skipped = s.cadence?.steps[s.nextStepIndex];
      if (skipped) recordStep(ctx, skipped, 'skipped', `operator: ${control.request.reason}`);
      advance(ctx);
      return operatorChange(ctx, 'skip next step', control.request);
    }
    case 'repeat':
      s.nextStepIndex -= 1;
      s.stepNotBefore = null;
      s.lastStepAt = null; // the repeated step is due now, not after its own delay again
      return operatorChange(ctx, 'repeat last step', control.request);
    case 'move': {
      const cadence = control.cadence;
      if (!cadence) return refuse(`cadence ${control.request.cadence} was not loaded`);
      s.cadence = cadence;
      s.cadenceStartedAt = ctx.at;
      s.clockShiftMs = 0;
      s.stepDueAt = null;
      // A hold in force counts for the new cadence only from now on.
      if (s.holdStartedAt) s.holdStartedAt = ctx.at;
      s.nextStepIndex = 0;
      s.stepNotBefore = null;
      s.lastStepAt = null;
      s.stageHistory.push({ stage: s.stage, at: ctx.at, reason: `moved to cadence ${cadence.name} v${cadence.version}: ${control.request.reason}` });
      return operatorChange(ctx, `move to ${cadence.name} v${cadence.version}`, control.request);
    }
    case 'close':
      changeStage(ctx, 'closed', `closed by operator${control.request.consumerRequested ? ' at the consumer’s request' : ''}: ${control.request.reason}`);
      reportingState(s).closedAtConsumerRequest = control.request.consumerRequested === true;
      return operatorChange(ctx, 'close', control.request);
    case 'contact_details': {
      const change = control.request;
      const account = s.profile;
      const changed: string[] = [];
      if (change.email !== undefined) (account.email = change.email), changed.push('email');
      if (change.phone !== undefined) (account.phone = change.phone), changed.push('phone');
      if (change.address) (account.address = change.address), changed.push('address');
      if (change.timezone) (account.timezone = change.timezone), changed.push('time zone');
      return operatorChange(ctx, `contact details changed (${changed.join(', ') || 'nothing'})`, change);
    }
  }
}

function operatorChange(ctx: Ctx, what: string, request: OperatorRequest): undefined {
  refreshNextAction(ctx);
  note(ctx, '(operator)', what, what, 'done', `${request.reason}${request.operator ? ` (by ${request.operator})` : ''}`);
  return undefined;
}
