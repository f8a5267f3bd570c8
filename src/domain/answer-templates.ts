/**
 * Answers to debtors' questions (an operator's text from the work queue) are messages like every
 * other: a template per language with {{placeholders}}, the debt-collector disclosure and a way to
 * opt out, rendered by the engine and sent through the contact-policy gate. The shipped default is
 * here; a cadence (`answerTemplates` in its document) or a creditor (in the creditor directory) may
 * replace it — the account's cadence's first, else its creditor's, else this one; within the one
 * chosen, the debtor's language, else English, as for cadence templates. Pure.
 */
import type { Language } from './account';
import { placeholdersIn, renderTemplate, TEMPLATE_VARIABLES, PRODUCT_VARIABLES } from './template';

/** One language's answer: the email's subject and text, and the SMS (an answer goes by the channel the question came by). */
export interface AnswerTemplate {
  subject: string;
  text: string;
  sms: string;
}

/** English is required; other languages fall back to it. */
export type AnswerTemplates = { en: AnswerTemplate } & Partial<Record<Language, AnswerTemplate>>;

/**
 * What an answer template may use: the message variables every account has (not the
 * product-specific ones, since the template serves every product), the operator's `answer`, and
 * the `collectorName` of the disclosure.
 */
export const ANSWER_VARIABLES = [...TEMPLATE_VARIABLES.filter((name) => !(name in PRODUCT_VARIABLES)), 'answer', 'collectorName'] as const;

export function unknownAnswerPlaceholders(text: string): string[] {
  return placeholdersIn(text).filter((name) => !(ANSWER_VARIABLES as readonly string[]).includes(name));
}

export const DEFAULT_ANSWER_TEMPLATES: AnswerTemplates = {
  en: {
    subject: 'About your account {{accountId}}',
    text: 'Dear {{debtorName}},\n\n{{answer}}\n\nThis is a communication from a debt collector ({{collectorName}}). To stop emails, write to {{optOutEmail}}.',
    sms: '{{answer}} ({{collectorName}}, a debt collector.) Reply STOP to opt out.',
  },
  es: {
    subject: 'Sobre su cuenta {{accountId}}',
    text: 'Estimado/a {{debtorName}}:\n\n{{answer}}\n\nEsta es una comunicación de un cobrador de deudas ({{collectorName}}). Para no recibir más correos, escriba a {{optOutEmail}}.',
    sms: '{{answer}} ({{collectorName}}, cobrador de deudas.) Responda STOP para no recibir más mensajes.',
  },
};

/** The answer template for this language: the cadence's if it has any, else the creditor's, else the shipped one. */
export function answerTemplateFor(language: Language, overrides: { cadence?: AnswerTemplates | null; creditor?: AnswerTemplates | null }): AnswerTemplate {
  const templates = overrides.cadence ?? overrides.creditor ?? DEFAULT_ANSWER_TEMPLATES;
  return templates[language] ?? templates.en;
}

/** The answer as its channel sends it: an email has a subject, an SMS has none. */
export function renderAnswer(template: AnswerTemplate, channel: 'email' | 'sms', values: Record<(typeof ANSWER_VARIABLES)[number], string>): { subject: string; text: string } {
  return channel === 'email' ? { subject: renderTemplate(template.subject, values), text: renderTemplate(template.text, values) } : { subject: '', text: renderTemplate(template.sms, values) };
}
