import type { Money } from './money';

export const PRODUCTS = ['utility', 'auto_loan', 'medical', 'saas', 'credit_card'] as const;
export type Product = (typeof PRODUCTS)[number];

export const LANGUAGES = ['en', 'es'] as const;
export type Language = (typeof LANGUAGES)[number];

/** The debtor and the debt as the creditor enrolled them. Plain JSON: it travels in workflow history. */
export interface AccountProfile {
  accountId: string;
  creditorId: string;
  product: Product;
  debtorName: string;
  email: string | null;
  phone: string | null; // E.164
  language: Language;
  address: { line1: string; city: string; region: string; postalCode: string; country: string };
  timezone: string; // IANA zone
  currency: string;
  balanceMinor: number; // amount due at enrollment, minor units
  dueDate: string; // YYYY-MM-DD
  consent: { email: boolean; sms: boolean };
  serviceId: string | null;
  collateralVin: string | null;
  insuranceClaimId: string | null;
  /** Creditor's risk score given at enrollment (0-1000), used by segmentation; absent in older accounts. */
  riskScore?: number | null;
  /** The invoices that make up the balance; absent: one debt of the whole balance, due on dueDate. */
  debts?: DebtLine[];
  /**
   * The creditor's own id for the person, the same on each of their accounts. Opt-outs, cease
   * requests, attorney representation and call caps apply to every account of the person at the
   * creditor: those with this id, or with the same email or phone.
   */
  debtorId?: string | null;
}

export interface DebtLine {
  debtId: string;
  description: string;
  amountMinor: number;
  dueDate: string; // YYYY-MM-DD
}

/**
 * Stages an operator recognises. `current`: enrolled before its due date, not yet delinquent (only
 * courtesy reminders). End states are the last five.
 */
export const ACTIVE_STAGES = ['current', 'notice', 'reminding', 'promised', 'on_plan', 'extended', 'escalated', 'paused', 'locating'] as const;
export const END_STAGES = ['paid', 'settled', 'charged_off', 'placed', 'closed'] as const;
export type ActiveStage = (typeof ACTIVE_STAGES)[number];
export type EndStage = (typeof END_STAGES)[number];
export type Stage = ActiveStage | EndStage;

export function isEndStage(stage: Stage): stage is EndStage {
  return (END_STAGES as readonly string[]).includes(stage);
}

export type Channel = 'email' | 'sms' | 'call' | 'letter';

export interface ContactRecord {
  stepId: string;
  channel: Channel;
  at: string; // ISO time the decision was made
  status: 'sent' | 'skipped' | 'failed' | 'suppressed';
  reason: string | null; // why skipped, suppressed or failed
  /** The contact-policy rule that decided (engine v2). */
  rule?: string;
  recipient: string | null;
  providerMessageId: string | null;
}

export interface PaymentRecord {
  paymentId: string;
  amount: Money;
  receivedAt: string;
  /** 'reversed': posted, then returned by the bank (its amount no longer counts). */
  status: 'posted' | 'rejected' | 'reversed';
  reason: string | null;
  balanceAfterMinor: number | null;
  /** Engine v2: what went beyond the balance and is held as a credit. */
  overpaymentMinor?: number;
  /**
   * Not money from the debtor now but a credit held on another of their accounts (its key), applied
   * here by an operator: it pays like a payment, but cannot be returned and does not restart the
   * statute of limitations.
   */
  creditFrom?: string;
}

export interface StageChange {
  stage: Stage;
  at: string;
  reason: string;
}

/**
 * Identity of an account across Temporal, Postgres and every idempotency key.
 * Ids are restricted to [A-Za-z0-9._-] at the boundary, so '/' cannot collide.
 */
export function accountKey(creditorId: string, accountId: string): string {
  return `account/${creditorId}/${accountId}`;
}

export function daysPastDue(dueDate: string, nowIso: string): number {
  const due = Date.parse(`${dueDate}T00:00:00Z`);
  const today = Date.parse(`${nowIso.slice(0, 10)}T00:00:00Z`);
  return Math.max(0, Math.floor((today - due) / 86_400_000));
}
