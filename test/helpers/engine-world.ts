/**
 * A pure stand-in for everything outside the account engine, for tests that need no server: a
 * clock, a ledger that allocates and keeps a credit, the contact-policy gate evaluated as the
 * contact activity does, orders acknowledged (or refused on request), and the engine's waits.
 * `World` drives `decide` exactly as the workflow shell does: messages change the state, and a
 * tick or an effect's result lets the engine plan.
 */
import type { AccountProfile } from '../../src/domain/account';
import { DEFAULT_ARRANGEMENT_RULES } from '../../src/domain/arrangements';
import type { Cadence } from '../../src/domain/cadence';
import { evaluateContact } from '../../src/domain/contact-policy';
import type { AccountReportingFacts } from '../../src/domain/credit-reporting';
import { decide, initialState, isSave, type Command, type ContactEffect, type Control, type Effect, type EffectFailure, type EffectValues, type EngineConfig, type EngineEvent, type EngineState, type WorkItemDraft } from '../../src/domain/engine';
import type { ComplianceEvent, CreditApplied, CreditRefunded, LedgerAdjustment, PaymentReceived, PaymentReturned } from '../../src/domain/engine/records';

export interface WorldOptions {
  start: string;
  cadence: Cadence;
  config?: Partial<EngineConfig>;
  /** Effects that fail permanently, by kind (e.g. an order refused). */
  refuse?: Partial<Record<Effect['kind'], string>>;
  /** Effects that fail this many times first, by kind, not permanently (a creditor's system that is down). */
  failFirst?: Partial<Record<Effect['kind'], number>>;
  /** What the processor answers to each retry from a card on file, in order (then: succeeded). */
  charges?: { status: 'succeeded' | 'declined'; declineCode?: string }[];
  /** The skip-trace provider's answer (default: nothing found). */
  trace?: (input: Extract<Effect, { kind: 'trace_request' }>['input']) => EffectValues['trace_request'];
  /** The payer's 277 (default: pending). */
  payer?: (input: Extract<Effect, { kind: 'claim_status' }>['input'], world: World) => EffectValues['claim_status'];
}

export interface SentContact {
  at: string;
  effect: ContactEffect;
  /** The account's stage when the engine asked for it. */
  stage: EngineState['stage'];
}

export class World {
  state: EngineState;
  readonly config: EngineConfig;
  nowMs: number;
  /** When the engine asked to be woken (null: only by a message). */
  wakeAt: number | null = null;
  completed = false;
  continuedAsNew = 0;
  readonly sent: SentContact[] = [];
  readonly orders: Effect[] = [];
  /** Retries charged to a card on file, as asked. */
  readonly charges: Extract<Effect, { kind: 'charge_on_file' }>[] = [];
  readonly saves: Command[] = [];
  /** The facts credit reporting reads, each time the engine kept them. */
  readonly reportingSaves: AccountReportingFacts[] = [];
  /** Work items kept for the queue, trace requests, claim inquiries and appeals, in order. */
  readonly workItems: WorkItemDraft[] = [];
  readonly traces: Effect[] = [];
  readonly claims: Effect[] = [];
  readonly appeals: Effect[] = [];
  /** The ledger: what is owed and what is held as credit. */
  ledger = { balanceMinor: 0, creditMinor: 0, posted: new Map<string, number>() };

  constructor(
    readonly profile: AccountProfile,
    private readonly options: WorldOptions,
  ) {
    this.nowMs = Date.parse(options.start);
    this.config = {
      accountKey: `account/${profile.creditorId}/${profile.accountId}`,
      settings: { paymentLinkBaseUrl: 'https://pay.example.test', optOutEmail: 'optout@example.test' },
      arrangementRules: DEFAULT_ARRANGEMENT_RULES,
      retentionDays: 3 * 365,
      notifyRepresentatives: false,
      cadence: options.cadence,
      ...options.config,
    };
    this.state = initialState(profile, options.cadence, this.now());
    this.run({ kind: 'started', at: this.now() });
  }

  now(): string {
    return new Date(this.nowMs).toISOString();
  }

  /** A message (signal or update): changes the state, then the workflow wakes and plans. */
  message(event: DistributiveOmitAt<EngineEvent>): unknown {
    const decision = decide(this.state, { ...event, at: this.now() } as EngineEvent, this.config);
    this.state = decision.state;
    this.keep(decision.commands);
    if (!this.completed) this.run({ kind: 'tick', at: this.now() });
    return decision.reply;
  }

  pay(payment: Omit<PaymentReceived, 'currency'> & { currency?: string }): void {
    this.message({ kind: 'payment_received', payment: { currency: this.profile.currency, ...payment } });
  }
  returned(returned: PaymentReturned): void {
    this.message({ kind: 'payment_returned', returned });
  }
  adjust(adjustment: LedgerAdjustment): void {
    this.message({ kind: 'adjustment', adjustment });
  }
  /** Held credit applied by an operator's command: the ledger posts this account's side first (once per id), then the message comes. */
  creditApplied(application: CreditApplied): void {
    const posting = `application/${application.applicationId}`;
    if (!this.ledger.posted.has(posting)) {
      this.ledger.posted.set(posting, application.amountMinor);
      if (application.targetAccountKey === this.config.accountKey) this.ledger.balanceMinor -= application.amountMinor;
      if (application.sourceAccountKey === this.config.accountKey) this.ledger.creditMinor -= application.amountMinor;
    }
    this.message({ kind: 'credit_applied', application });
  }
  /** A refund of the credit held, posted by an operator's command, then the message. */
  creditRefunded(refund: CreditRefunded): void {
    const posting = `refund/${refund.refundId}`;
    if (!this.ledger.posted.has(posting)) {
      this.ledger.posted.set(posting, refund.amountMinor);
      this.ledger.creditMinor -= refund.amountMinor;
    }
    this.message({ kind: 'credit_refunded', refund });
  }
  comply(event: ComplianceEvent): void {
    this.message({ kind: 'compliance', event });
  }
  control(control: Control): unknown {
    return this.message({ kind: 'control', control });
  }

  /** Lets time pass to `iso` (or by `ms`), waking the engine whenever it asked to be woken. */
  advance(by: { ms?: number; days?: number; to?: string }): void {
    const target = by.to ? Date.parse(by.to) : this.nowMs + (by.ms ?? 0) + (by.days ?? 0) * 86_400_000;
    for (let guard = 0; guard < 10_000 && !this.completed; guard++) {
      if (this.wakeAt === null || this.wakeAt > target) break;
      this.nowMs = Math.max(this.nowMs, this.wakeAt);
      this.run({ kind: 'tick', at: this.now() });
    }
    if (target > this.nowMs) this.nowMs = target;
  }

  /** Carries the state across a continue-as-new (JSON, as Temporal does). */
  continueAsNew(): void {
    this.state = JSON.parse(JSON.stringify(this.state)) as EngineState;
    this.continuedAsNew += 1;
    this.run({ kind: 'started', at: this.now() });
  }

  private run(event: EngineEvent): void {
    let next: EngineEvent | null = event;
    for (let guard = 0; next && guard < 1_000; guard++) {
      const decision = decide(this.state, next, this.config);
      this.state = decision.state;
      next = null;
      for (const command of decision.commands) {
        if (isSave(command)) this.keep([command]);
        else if (command.kind === 'wait') this.wakeAt = command.until === null ? null : Date.parse(command.until);
        else if (command.kind === 'complete') this.completed = true;
        else if (command.kind === 'continue_as_new') {
          this.state = JSON.parse(JSON.stringify(this.state)) as EngineState;
          this.continuedAsNew += 1;
          next = { kind: 'started', at: this.now() };
        } else next = this.answer(command);
      }
    }
  }

  private keep(commands: Command[]): void {
    for (const command of commands)
      if (command.kind === 'save_reporting_facts') this.reportingSaves.push(command.facts);
      else if (isSave(command)) this.saves.push(command);
  }

  /** The outside world's answer to an effect. */
  private answer(effect: Effect): EngineEvent {
    const at = this.now();
    const refusal = this.options.refuse?.[effect.kind];
    const fail = (failure: EffectFailure): EngineEvent => ({ kind: 'effect_failed', at, id: effect.id, failure });
    const done = (value: unknown): EngineEvent => ({ kind: 'effect_done', at, id: effect.id, value });
    if (refusal) return fail({ type: 'refused', message: refusal, permanent: true });
    const failures = this.options.failFirst?.[effect.kind] ?? 0;
    if (failures > 0) {
      this.options.failFirst![effect.kind] = failures - 1;
      return fail({ type: null, message: 'answered 503', permanent: false });
    }
    const ledger = this.ledger;
    switch (effect.kind) {
      case 'open_account':
        ledger.balanceMinor = effect.ledger.openingBalanceMinor;
        return done({ balanceMinor: ledger.balanceMinor, cadence: effect.selectCadence ? this.options.cadence : null, rule: null });
      case 'validation_notice':
        return done({ documentId: effect.input.idempotencyKey });
      case 'contact': {
        const decision = evaluateContact(effect.request, effect.rules);
        if (decision.kind === 'allow') this.sent.push({ at, effect, stage: this.state.stage });
        return done({
          decision: { kind: decision.kind, rule: decision.rule, reason: 'reason' in decision ? decision.reason : null, until: decision.kind === 'defer' ? decision.until : null },
          reference: decision.kind === 'allow' ? `ref-${this.sent.length}` : null,
        });
      }
      case 'post_payment': {
        const { paymentId, amountMinor } = effect.input;
        if (ledger.posted.has(paymentId)) return done({ balanceMinor: ledger.balanceMinor, creditMinor: ledger.creditMinor, overpaymentMinor: 0 });
        ledger.posted.set(paymentId, amountMinor);
        const applied = Math.min(amountMinor, ledger.balanceMinor);
        ledger.balanceMinor -= applied;
        ledger.creditMinor += amountMinor - applied;
        return done({ balanceMinor: ledger.balanceMinor, creditMinor: ledger.creditMinor, overpaymentMinor: amountMinor - applied });
      }
      case 'reverse_payment': {
        const amount = ledger.posted.get(effect.input.paymentId) ?? 0;
        ledger.posted.delete(effect.input.paymentId);
        const fromCredit = Math.min(amount, ledger.creditMinor);
        ledger.creditMinor -= fromCredit;
        ledger.balanceMinor += amount - fromCredit + effect.input.feeMinor;
        return done({ balanceMinor: ledger.balanceMinor, creditMinor: ledger.creditMinor, feeMinor: effect.input.feeMinor });
      }
      case 'post_adjustment': {
        const { kind, amountMinor } = effect.input;
        if (kind === 'credit') {
          if (amountMinor > ledger.balanceMinor) return fail({ type: 'invalid_posting', message: `a credit of ${amountMinor} is more than the ${ledger.balanceMinor} owed`, permanent: true });
          ledger.balanceMinor -= amountMinor;
        } else ledger.balanceMinor += amountMinor;
        return done({ balanceMinor: ledger.balanceMinor, creditMinor: ledger.creditMinor });
      }
      case 'write_off': {
        const writtenOffMinor = ledger.balanceMinor;
        ledger.balanceMinor = 0;
        return done({ balanceMinor: 0, writtenOffMinor });
      }
      case 'ledger_snapshot':
        return done({ balanceMinor: ledger.balanceMinor, creditMinor: ledger.creditMinor });
      case 'order':
        this.orders.push(effect);
        return done({ destination: `https://creditor.example.test/${effect.order}`, ...(effect.order === 'placement' ? { agencyName: 'Ace Recovery LLC' } : {}) });
      case 'purge':
        return done({ purged: true });
      case 'charge_on_file': {
        this.charges.push(effect);
        const answer = this.options.charges?.shift() ?? { status: 'succeeded' as const };
        return done({ status: answer.status, paymentId: `pi_retry_${this.charges.length}`, declineCode: answer.status === 'declined' ? (answer.declineCode ?? 'generic_decline') : null, message: answer.status === 'declined' ? 'declined' : null });
      }
      case 'record_work_item':
        this.workItems.push(effect.input.item);
        return done({ itemId: effect.input.item.id });
      case 'trace_request':
        this.traces.push(effect);
        return done(this.options.trace ? this.options.trace(effect.input) : { traceId: 't-1', candidates: [] });
      case 'claim_status':
        this.claims.push(effect);
        return done(this.options.payer ? this.options.payer(effect.input, this) : { category: 'P1', code: '20', payerName: 'Plan', payerClaimControlNumber: 'PCN1', billedMinor: effect.input.chargeMinor, paidMinor: 0, denial: null });
      case 'claim_appeal':
        this.appeals.push(effect);
        return done({ documentId: effect.input.idempotencyKey });
      case 'destroy_keys':
        return done({ done: true });
      case 'accrue_charges':
        return done({ balanceMinor: ledger.balanceMinor, creditMinor: ledger.creditMinor, posted: [] });
    }
  }
}

type DistributiveOmitAt<T> = T extends unknown ? Omit<T, 'at'> : never;
