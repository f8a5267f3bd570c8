/**
 * FROZEN: the first account workflow (email/SMS cadence from enrollment), kept verbatim so that
 * accounts started before the cadence engine v2 replay and finish on the code they began with.
 * accountWorkflow dispatches here when its history lacks the 'cadence-engine-v2' patch marker.
 * Do not change behaviour here; delete it once no such account is open (then deprecatePatch).
 */
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  continueAsNew,
  allHandlersFinished,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import {
  accountKey as makeAccountKey,
  type AccountProfile,
  isEndStage,
  type ContactRecord,
  type PaymentRecord,
  type Stage,
  type StageChange,
} from '../../domain/account';
import { contactDecision, renderStepMessage, scheduledStep, templateValues, type Cadence, type RenderSettings, type ScheduledStep } from '../../domain/cadence';
import { formatMoney } from '../../domain/money';
import {
  accountStateQuery,
  paymentReceivedSignal,
  searchAttributes,
  type AccountOutcome,
  type AccountStateView,
  type NextAction,
  type PaymentReceived,
} from '../definitions';

const ledger = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  // A posting must never be dropped: retry until the database answers, except on permanent refusals.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

const notifications = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  // Bounded: a flaky provider must not turn into a flood of retries.
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 6 },
});

/** Everything the workflow knows; carried whole across continue-as-new. */
export interface AccountStateV1 {
  stage: Stage;
  balanceMinor: number;
  enrolledAt: string;
  ledgerOpened: boolean;
  nextStepIndex: number;
  pendingPayments: PaymentReceived[];
  contacts: ContactRecord[];
  payments: PaymentRecord[];
  stageHistory: StageChange[];
  nextAction: NextAction | null;
}

export interface AccountWorkflowArgsV1 {
  account: AccountProfile;
  cadence: Cadence;
  settings: RenderSettings;
  /** Present only when the workflow continued as new. */
  carried?: AccountStateV1;
}

export async function accountWorkflowV1(input: AccountWorkflowArgsV1): Promise<AccountOutcome> {
  const { account, cadence, settings } = input;
  const key = makeAccountKey(account.creditorId, account.accountId);
  const nowIso = () => new Date(Date.now()).toISOString();
  const state: AccountStateV1 = input.carried ?? {
    stage: 'notice',
    balanceMinor: account.balanceMinor,
    enrolledAt: nowIso(),
    ledgerOpened: false,
    nextStepIndex: 0,
    pendingPayments: [],
    contacts: [],
    payments: [],
    stageHistory: [{ stage: 'notice', at: nowIso(), reason: `enrolled on cadence ${cadence.name} v${cadence.version}` }],
    nextAction: null,
  };
  const enrolledAtMs = Date.parse(state.enrolledAt);

  setHandler(paymentReceivedSignal, (payment) => {
    // Duplicate deliveries of one payment id are dropped here; the ledger's unique key is the backstop.
    const known = state.payments.some((p) => p.paymentId === payment.paymentId) || state.pendingPayments.some((p) => p.paymentId === payment.paymentId);
    if (!known) state.pendingPayments.push(payment);
  });
  setHandler(accountStateQuery, (): AccountStateView => ({
    accountKey: key,
    creditorId: account.creditorId,
    accountId: account.accountId,
    stage: state.stage,
    balance: { amountMinor: state.balanceMinor, currency: account.currency },
    cadence: { name: cadence.name, version: cadence.version },
    enrolledAt: state.enrolledAt,
    nextAction: state.nextAction,
    contacts: state.contacts,
    payments: state.payments,
    stageHistory: state.stageHistory,
  }));

  const publish = () => {
    upsertSearchAttributes([
      { key: searchAttributes.stage, value: state.stage },
      { key: searchAttributes.balanceDueMinor, value: state.balanceMinor },
      { key: searchAttributes.nextActionAt, value: state.nextAction ? new Date(state.nextAction.at) : null },
    ]);
    const balance = formatMoney({ amountMinor: state.balanceMinor, currency: account.currency });
    const last = state.contacts[state.contacts.length - 1];
    setCurrentDetails(
      [
        `**${account.debtorName}** · ${account.creditorId} / ${account.accountId} · ${account.product}`,
        `Stage: **${state.stage}** · Balance due: **${balance}**`,
        `Cadence: ${cadence.name} v${cadence.version} · step ${Math.min(state.nextStepIndex + 1, cadence.steps.length)} of ${cadence.steps.length}`,
        state.nextAction ? `Next: ${state.nextAction.description} at ${state.nextAction.at}` : 'Next: waiting for payment',
        last ? `Last contact: ${last.channel} ${last.stepId} ${last.status}${last.reason ? ` (${last.reason})` : ''} at ${last.at}` : 'No contact yet',
      ].join('\n\n'),
    );
  };

  const changeStage = (stage: Stage, reason: string) => {
    if (state.stage === stage) return;
    state.stage = stage;
    state.stageHistory.push({ stage, at: nowIso(), reason });
  };

  async function applyPendingPayments(): Promise<void> {
    while (state.pendingPayments.length > 0) {
      const payment = state.pendingPayments[0]!;
      const receivedAt = payment.receivedAt ?? nowIso();
      const record: PaymentRecord = {
        paymentId: payment.paymentId,
        amount: { amountMinor: payment.amountMinor, currency: payment.currency },
        receivedAt,
        status: 'posted',
        reason: null,
        balanceAfterMinor: null,
      };
      if (!Number.isSafeInteger(payment.amountMinor) || payment.amountMinor <= 0) {
        Object.assign(record, { status: 'rejected', reason: 'amountMinor must be a positive whole number of minor units' });
      } else if (payment.currency !== account.currency) {
        Object.assign(record, { status: 'rejected', reason: `currency ${payment.currency} does not match the account's ${account.currency}` });
      } else {
        try {
          const result = await ledger.postPayment.executeWithOptions(
            { summary: `post payment ${payment.paymentId} of ${formatMoney(record.amount)}` },
            [{ accountKey: key, paymentId: payment.paymentId, amountMinor: payment.amountMinor, currency: payment.currency, receivedAt }],
          );
          state.balanceMinor = result.balanceMinor;
          record.balanceAfterMinor = result.balanceMinor;
        } catch (error) {
          if (!(error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.nonRetryable)) throw error;
          Object.assign(record, { status: 'rejected', reason: `${error.cause.type}: ${error.cause.message}` });
        }
      }
      state.pendingPayments.shift();
      state.payments.push(record);
      publish();
    }
  }

  async function runStep({ step, index }: ScheduledStep): Promise<void> {
    const decision = contactDecision(step, account);
    const contact: ContactRecord = { stepId: step.id, channel: decision.channel, at: nowIso(), status: 'sent', reason: null, recipient: null, providerMessageId: null };
    if (decision.kind === 'skip') {
      Object.assign(contact, { status: 'skipped', reason: decision.reason });
    } else {
      const values = templateValues(account, { amountMinor: state.balanceMinor, currency: account.currency }, settings);
      const message = renderStepMessage(cadence, step, account.language, values);
      const base = { idempotencyKey: `${key}/step/${index}/${step.id}`, accountKey: key, stepId: step.id, to: decision.recipient };
      const summary = `${step.action} ${step.id} (step ${index + 1} of ${cadence.steps.length}) to ${decision.recipient}`;
      contact.recipient = decision.recipient;
      try {
        const outcome =
          step.action === 'email'
            ? await notifications.sendEmail.executeWithOptions({ summary: summary }, [{ ...base, subject: message.subject ?? '', text: message.text, html: message.html }])
            : await notifications.sendSms.executeWithOptions({ summary: summary }, [{ ...base, body: message.text }]);
        contact.providerMessageId = outcome.providerMessageId;
      } catch (error) {
        if (!(error instanceof ActivityFailure)) throw error;
        // A message that could not be delivered after bounded retries is recorded; the cadence goes on.
        Object.assign(contact, { status: 'failed', reason: error.cause?.message ?? error.message });
      }
    }
    state.contacts.push(contact);
    if (index === 0) changeStage('reminding', `first notice ${contact.status}`);
  }

  if (!state.ledgerOpened) {
    const opened = await ledger.openLedgerAccount.executeWithOptions({ summary: `open ledger account with ${formatMoney({ amountMinor: account.balanceMinor, currency: account.currency })} due` }, [
      { accountKey: key, creditorId: account.creditorId, accountId: account.accountId, currency: account.currency, openingBalanceMinor: account.balanceMinor, dueDate: account.dueDate },
    ]);
    state.balanceMinor = opened.balanceMinor;
    state.ledgerOpened = true;
  }
  publish();

  while (!isEndStage(state.stage)) {
    await applyPendingPayments();
    if (state.balanceMinor <= 0) {
      state.nextAction = null;
      changeStage('paid', state.payments.length > 0 ? `balance cleared by payment ${state.payments[state.payments.length - 1]!.paymentId}` : 'no balance due');
      publish();
      break;
    }
    const next = scheduledStep(cadence, state.nextStepIndex, enrolledAtMs);
    state.nextAction = next ? { description: `${next.step.action} ${next.step.id}`, at: new Date(next.dueAtMs).toISOString() } : null;
    publish();

    if (!next) {
      // Cadence done: wait for money (escalation steps arrive with later cadences).
      await condition(() => state.pendingPayments.length > 0 || workflowInfo().continueAsNewSuggested);
      if (state.pendingPayments.length === 0) {
        await condition(allHandlersFinished);
        return continueAsNew<typeof accountWorkflowV1>({ ...input, carried: state });
      }
      continue;
    }
    const waitMs = next.dueAtMs - Date.now();
    if (waitMs > 0) {
      await condition(() => state.pendingPayments.length > 0, waitMs);
      continue;
    }
    await runStep(next);
    state.nextStepIndex += 1;
  }

  await condition(allHandlersFinished);
  return {
    stage: state.stage,
    balance: { amountMinor: state.balanceMinor, currency: account.currency },
    contactsSent: state.contacts.filter((c) => c.status === 'sent').length,
  };
}
