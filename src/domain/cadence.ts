import type { AccountProfile, Channel, Language } from './account';
import { durationToMs } from './duration';
import { formatMoney, type Money } from './money';
import { renderTemplate, type TemplateValues } from './template';

/**
 * A cadence (dunning strategy) is data: steps with offsets from enrollment and message templates.
 * A running account carries the cadence snapshot it was enrolled with, so editing a cadence
 * file never changes what a running workflow does.
 */
export interface CadenceStep {
  id: string;
  /** Offset from enrollment, e.g. "0d", "3d", "30s". Steps are in ascending order. */
  after: string;
  action: Channel;
  template: string;
}

export interface MessageTemplate {
  subject?: string; // email only
  text: string;
  html?: string; // email only
}

export interface Cadence {
  name: string;
  version: number;
  description: string;
  steps: CadenceStep[];
  /** template id → language → template; English is required, other languages fall back to it. */
  templates: Record<string, { en: MessageTemplate } & Partial<Record<Language, MessageTemplate>>>;
}

export interface ScheduledStep {
  index: number;
  step: CadenceStep;
  dueAtMs: number;
}

export function scheduledStep(cadence: Cadence, index: number, enrolledAtMs: number): ScheduledStep | null {
  const step = cadence.steps[index];
  if (!step) return null;
  return { index, step, dueAtMs: enrolledAtMs + durationToMs(step.after) };
}

export type ContactDecision =
  | { kind: 'send'; channel: Channel; recipient: string }
  | { kind: 'skip'; channel: Channel; reason: string };

/** Whether a step can reach the debtor on its channel at all (address present and consent recorded). */
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

export interface RenderSettings {
  paymentLinkBaseUrl: string;
  optOutEmail: string;
}

export function templateValues(account: AccountProfile, balance: Money, settings: RenderSettings): TemplateValues {
  return {
    debtorName: account.debtorName,
    creditorId: account.creditorId,
    accountId: account.accountId,
    balance: formatMoney(balance, account.language),
    dueDate: account.dueDate,
    paymentLink: `${settings.paymentLinkBaseUrl.replace(/\/$/, '')}/${encodeURIComponent(account.creditorId)}/${encodeURIComponent(account.accountId)}`,
    optOutEmail: settings.optOutEmail,
  };
}

export interface RenderedMessage {
  subject: string | null;
  text: string;
  html: string | null;
}

export function renderStepMessage(cadence: Cadence, step: CadenceStep, language: Language, values: TemplateValues): RenderedMessage {
  const byLanguage = cadence.templates[step.template];
  if (!byLanguage) throw new RangeError(`cadence ${cadence.name} v${cadence.version}: step ${step.id} names unknown template ${step.template}`);
  const template = byLanguage[language] ?? byLanguage.en;
  return {
    subject: template.subject === undefined ? null : renderTemplate(template.subject, values),
    text: renderTemplate(template.text, values),
    html: template.html === undefined ? null : renderTemplate(template.html, values),
  };
}
