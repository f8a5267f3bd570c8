import type { AccountProfile, ActiveStage, Channel, Language, Product } from './account';
import type { AnswerTemplates } from './answer-templates';
import { durationToMs } from './duration';
import { formatMoney, type Money } from './money';
import { renderHtmlTemplate, renderTemplate, type TemplateValues } from './template';

/**
 * A cadence (dunning strategy) is data: ordered steps, each with a time, an action and
 * conditions, plus the templates of its messages. A running account carries the cadence
 * snapshot (name and version) it was enrolled with, so editing or adding a cadence never
 * changes what a running workflow does unless an operator moves it.
 */
export const STEP_ACTIONS = [
  'email',
  'sms',
  'call',
  'letter',
  'wait',
  'check_arrangement',
  'notify_credit_department',
  'order_disconnection',
  'order_repossession',
  'place_account',
  'charge_off',
  'close',
  /** A task for a field visitor (engine/visits.ts). */
  'field_visit',
  /** Asks the payer for the insurance claim's status (engine/claims.ts). */
  'claim_status',
] as const;
export type StepAction = (typeof STEP_ACTIONS)[number];

/** Actions that reach the debtor, and so pass the contact-policy gate first. */
export const DEBTOR_CONTACT_ACTIONS = ['email', 'sms', 'call', 'letter'] as const satisfies readonly StepAction[];
export type DebtorContactAction = (typeof DEBTOR_CONTACT_ACTIONS)[number];
export function isDebtorContact(action: StepAction): action is DebtorContactAction {
  return (DEBTOR_CONTACT_ACTIONS as readonly string[]).includes(action);
}

/** Actions whose text comes from a template. */
export const TEMPLATED_ACTIONS = ['email', 'sms', 'call', 'letter', 'notify_credit_department', 'order_repossession', 'place_account'] as const satisfies readonly StepAction[];

/** Actions that end the account. */
export const TERMINAL_ACTIONS = { place_account: 'placed', charge_off: 'charged_off', close: 'closed' } as const;

export interface StepConditions {
  /** Run only while at least this much is due (minor units of the account's currency). */
  minBalanceMinor?: number;
  products?: Product[];
  /** Run only if the debtor neither paid nor made an arrangement since the previous step ran. */
  previousStepUnanswered?: boolean;
}

export interface CadenceStep {
  id: string;
  action: StepAction;
  /** "0d", "3d", "12h", "30s": how long after `from`. */
  after: string;
  /** What `after` counts from; enrollment when absent. */
  from?: 'enrollment' | 'due_date' | 'previous_step';
  /** Count `after` (in days) as business days: no weekends, no US federal holidays, in the debtor's zone. */
  businessDays?: boolean;
  /** Local time of day "HH:MM" in the debtor's time zone at which a day-based step happens. */
  atLocalTime?: string;
  /**
   * Spread the step's accounts over this long after its `atLocalTime` ("2h", "90m"; at most 12h,
   * ending by 21:00): each
   * account goes at its own offset, fixed by its creditor and account ids, so a portfolio enrolled
   * at once does not fall due in the same minute. The same account keeps the same offset on every
   * spread step (a debtor hears from the creditor at a steady time of day). The contact-policy gate
   * still defers anything that lands outside the debtor's window.
   */
  spread?: string;
  template?: string;
  when?: StepConditions;
  /** Stage the account enters when this step runs, e.g. "escalated". */
  stage?: ActiveStage;
  /** Human label for the UI and history, e.g. "email notice 2". */
  label?: string;
  /** The step threatens or starts legal action (a suit, an attorney): never run on a time-barred debt (§1006.26(b)). */
  threatensSuit?: boolean;
  /**
   * The step's message threatens a remedy (disconnection, repossession, default; suit counts too):
   * inside the validation period it waits for the period's end, or states the debtor's rights
   * plainly if the creditor chose that (§1006.38(b)).
   */
  threatensRemedy?: boolean;
}

export interface MessageTemplate {
  subject?: string; // email, letter, credit department notice, orders
  text: string;
  html?: string; // email only
}

export interface Cadence {
  name: string;
  version: number;
  description: string;
  /** Products this cadence may run for; absent means any. */
  products?: Product[];
  steps: CadenceStep[];
  /** Where a broken promise or a plan in default resumes: a harder step than the next one. */
  onBrokenPromise?: { resumeAt: string };
  /** template id → language → template; English is required, other languages fall back to it. */
  templates: Record<string, { en: MessageTemplate } & Partial<Record<Language, MessageTemplate>>>;
  /** Answers to debtors' questions on this cadence's accounts (over the creditor's and the shipped ones: answer-templates.ts). */
  answerTemplates?: AnswerTemplates;
}

/** Words of debt collection, which a courtesy reminder before the due date must not use. */
export const COLLECTION_LANGUAGE = /\b(debt collectors?|collect(ing|ion)? (a|this) debt|past[- ]due|overdue|delinquen\w*|in collections?|collection agency)\b/i;

export function stepLabel(step: CadenceStep): string {
  return step.label ?? `${step.action.replace(/_/g, ' ')} ${step.id}`;
}

export interface ScheduledStep {
  index: number;
  step: CadenceStep;
  dueAtMs: number;
}

/** Due time of a step counted from enrollment only (the first engine; kept for its running accounts). */
export function scheduledStep(cadence: Cadence, index: number, enrolledAtMs: number): ScheduledStep | null {
  const step = cadence.steps[index];
  if (!step) return null;
  return { index, step, dueAtMs: enrolledAtMs + durationToMs(step.after) };
}

export type ContactDecision =
  | { kind: 'send'; channel: Channel; recipient: string }
  | { kind: 'skip'; channel: Channel; reason: string };

/** Whether an email or SMS step can reach the debtor at all (address present and consent recorded). */
export function contactDecision(step: CadenceStep, account: AccountProfile): ContactDecision {
  if (step.action === 'email') {
    if (!account.email) return { kind: 'skip', channel: 'email', reason: 'no_email_address' };
    if (!account.consent.email) return { kind: 'skip', channel: 'email', reason: 'no_email_consent' };
    return { kind: 'send', channel: 'email', recipient: account.email };
  }
  if (!account.phone) return { kind: 'skip', channel: 'sms', reason: 'no_phone_number' };
  if (!account.consent.sms) return { kind: 'skip', channel: 'sms', reason: 'no_sms_consent' };
  return { kind: 'send', channel: 'sms', recipient: account.phone };
}

/** Which of a step's conditions fails, if any. */
export function unmetCondition(
  step: CadenceStep,
  account: AccountProfile,
  balanceMinor: number,
  answeredSincePreviousStep: boolean,
): string | null {
  const when = step.when;
  if (!when) return null;
  if (when.minBalanceMinor !== undefined && balanceMinor < when.minBalanceMinor)
    return `balance ${formatMoney({ amountMinor: balanceMinor, currency: account.currency })} is below ${formatMoney({ amountMinor: when.minBalanceMinor, currency: account.currency })}`;
  if (when.products && !when.products.includes(account.product)) return `product ${account.product} is not ${when.products.join(' or ')}`;
  if (when.previousStepUnanswered && answeredSincePreviousStep) return 'the debtor answered the previous step';
  return null;
}

export interface RenderSettings {
  paymentLinkBaseUrl: string;
  optOutEmail: string;
  /** The collector's name in notices ("… is a debt collector"). */
  collectorName?: string;
  /** For limited-content voicemails: a business name that does not say debt collection, and a callback number. */
  voicemailBusinessName?: string;
  callbackPhone?: string;
}

export function templateValues(account: AccountProfile, balance: Money, settings: RenderSettings, nowIso?: string): TemplateValues {
  const dueMs = Date.parse(`${account.dueDate}T00:00:00Z`);
  const nowMs = nowIso ? Date.parse(nowIso) : dueMs;
  return {
    debtorName: account.debtorName,
    creditorId: account.creditorId,
    accountId: account.accountId,
    balance: formatMoney(balance, account.language),
    dueDate: account.dueDate,
    paymentLink: `${settings.paymentLinkBaseUrl.replace(/\/$/, '')}/${encodeURIComponent(account.creditorId)}/${encodeURIComponent(account.accountId)}`,
    optOutEmail: settings.optOutEmail,
    daysPastDue: String(Math.max(0, Math.floor((nowMs - dueMs) / 86_400_000))),
    serviceId: account.serviceId ?? '',
    collateralVin: account.collateralVin ?? '',
    insuranceClaimId: account.insuranceClaimId ?? '',
  };
}

export interface RenderedMessage {
  subject: string | null;
  text: string;
  html: string | null;
}

export function renderStepMessage(cadence: Cadence, step: CadenceStep, language: Language, values: TemplateValues): RenderedMessage {
  const byLanguage = step.template === undefined ? undefined : cadence.templates[step.template];
  if (!byLanguage) throw new RangeError(`cadence ${cadence.name} v${cadence.version}: step ${step.id} names unknown template ${step.template}`);
  const template = byLanguage[language] ?? byLanguage.en;
  return {
    subject: template.subject === undefined ? null : renderTemplate(template.subject, values),
    text: renderTemplate(template.text, values),
    html: template.html === undefined ? null : renderHtmlTemplate(template.html, values),
  };
}
