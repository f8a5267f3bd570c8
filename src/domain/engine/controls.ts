/**
 * Operator controls (pause, resume, skip, repeat, move to another cadence, close, new contact
 * details) and arrangement requests: each checked first — the same check answers the update's
 * validator, so a refused request changes nothing — then applied and noted with its reason.
 */
import { isEndStage } from '../account';
import { TERMINAL_ACTIONS } from '../cadence';
import { checkExtension, checkPlan, checkPromise, takeExtension, takePlan, takePromise } from './arrangement-watch';
import { checkCallOutcome, checkDial, dial, recordCallOutcome } from './calls';
import type { Control, DebtorLinkInput } from './commands';
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
      // §1006.2(j): its call steps' voicemails must name a person, and this creditor has none configured.
      if (control.cadence?.steps.some((step) => step.action === 'call') && !config.voicemailContactName)
        refuse(`cadence ${control.cadence.name} has call steps, and creditor ${state.profile.creditorId} has no contactPersonName for their voicemails`);
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
      return;
    case 'dial':
      requireOpen(state);
      checkDial(state, control.request);
      return;
    case 'call_outcome':
      // A call placed before the account ended still has an outcome to record.
      checkCallOutcome(state, control.request);
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
    case 'dial':
      return dial(ctx, control.request);
    case 'call_outcome':
      return recordCallOutcome(ctx, control.request);
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
      // Consent belongs to the address: a new number or email address has none until it is given
      // for it, here with the change (the debtor gave it, and said so) or later by an opt-in.
      const given = change.consent;
      const source = `contact change: ${given?.source ?? ''}`.trim();
      if (given?.email !== undefined && account.email) s.compliance.consents.push({ channel: 'email', address: account.email, consented: given.email, source, at: ctx.at });
      if (given?.sms !== undefined && account.phone) s.compliance.consents.push({ channel: 'sms', address: account.phone, consented: given.sms, source, at: ctx.at });
      if (change.address) (account.address = change.address), changed.push('address');
      if (change.timezone) (account.timezone = change.timezone), changed.push('time zone');
      // The person's other accounts are found by email and phone too: the new ones from now on.
      if (change.email !== undefined || change.phone !== undefined) ctx.out.push({ kind: 'save_debtor_link', link: debtorLink(ctx), summary: 'debtor link updated' });
      return operatorChange(ctx, `contact details changed (${changed.join(', ') || 'nothing'})`, change);
    }
  }
}

/** Who the account's debtor is, for finding the person's other accounts at the creditor. */
export function debtorLink(ctx: Ctx): DebtorLinkInput {
  const { creditorId, debtorId, email, phone } = ctx.s.profile;
  return { accountKey: ctx.config.accountKey, creditorId, debtorId: debtorId ?? null, email, phone };
}

function operatorChange(ctx: Ctx, what: string, request: OperatorRequest): undefined {
  refreshNextAction(ctx);
  note(ctx, '(operator)', what, what, 'done', `${request.reason}${request.operator ? ` (by ${request.operator})` : ''}`);
  return undefined;
}
