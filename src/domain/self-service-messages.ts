/**
 * The message a debtor gets after acting on their own page (and after a payment from it or from a
 * card on file), in English and Spanish. Each says what was recorded, carries the debt-collector
 * disclosure and a way to opt out. Those sent while collection may be suspended (a dispute, a
 * request for the original creditor, a question, an opt-out) ask for nothing: no amount due, no
 * payment link (§1006.38(d)(2): no collection activity until verification).
 */
import type { Language } from './account';

export const CONFIRMATION_KINDS = [
  'payment_received',
  'promise_confirmed',
  'plan_confirmed',
  'dispute_received',
  'original_creditor_requested',
  'details_changed',
  'preferences_changed',
  'question_received',
  'opt_out_confirmed',
  'opt_in_confirmed',
] as const;
export type ConfirmationKind = (typeof CONFIRMATION_KINDS)[number];

export interface ConfirmationValues {
  debtorName: string;
  accountId: string;
  /** What the message is about: an amount, a date, a channel… (already formatted). */
  detail: string;
  paymentLink: string;
  optOutEmail: string;
}

const EN_FOOTER = 'This communication is from a debt collector. To stop emails write to {{optOutEmail}}; to stop texts reply STOP.';
const ES_FOOTER = 'Esta comunicación es de un cobrador de deudas. Para no recibir correos escriba a {{optOutEmail}}; para no recibir mensajes responda STOP.';

type Texts = Record<ConfirmationKind, { subject: string; text: string }>;

export const CONFIRMATION_MESSAGES: Record<Language, Texts> = {
  en: {
    payment_received: { subject: 'We received your payment', text: 'Hello {{debtorName}}, we received your payment of {{detail}} on account {{accountId}}. Thank you.' },
    promise_confirmed: { subject: 'Your promise to pay is recorded', text: 'Hello {{debtorName}}, we recorded your promise to pay {{detail}} on account {{accountId}}. You can pay at {{paymentLink}}.' },
    plan_confirmed: { subject: 'Your payment plan is set up', text: 'Hello {{debtorName}}, your payment plan for account {{accountId}} is set up: {{detail}}. We will remind you before each payment. You can pay at {{paymentLink}}.' },
    dispute_received: { subject: 'We received your dispute', text: 'Hello {{debtorName}}, we received your dispute of {{detail}} on account {{accountId}}. We will look into it and send you what we find.' },
    original_creditor_requested: { subject: 'We received your request', text: 'Hello {{debtorName}}, we received your request for the name and address of the original creditor of account {{accountId}}. We will send it to you.' },
    details_changed: { subject: 'Your contact details were changed', text: 'Hello {{debtorName}}, the contact details of account {{accountId}} were changed on your page ({{detail}}). If you did not do this, tell us at once.' },
    preferences_changed: { subject: 'Your contact preferences were saved', text: 'Hello {{debtorName}}, we saved how you prefer to hear from us about account {{accountId}}: {{detail}}.' },
    question_received: { subject: 'We received your question', text: 'Hello {{debtorName}}, we received your question about account {{accountId}}. A person will answer it.' },
    opt_out_confirmed: { subject: 'You opted out', text: 'Hello {{debtorName}}, we will no longer contact you by {{detail}} about account {{accountId}}.' },
    opt_in_confirmed: { subject: 'You opted in', text: 'Hello {{debtorName}}, you agreed to hear from us by {{detail}} about account {{accountId}}.' },
  },
  es: {
    payment_received: { subject: 'Recibimos su pago', text: 'Hola {{debtorName}}, recibimos su pago de {{detail}} en la cuenta {{accountId}}. Gracias.' },
    promise_confirmed: { subject: 'Registramos su promesa de pago', text: 'Hola {{debtorName}}, registramos su promesa de pagar {{detail}} en la cuenta {{accountId}}. Puede pagar en {{paymentLink}}.' },
    plan_confirmed: { subject: 'Su plan de pagos está listo', text: 'Hola {{debtorName}}, su plan de pagos de la cuenta {{accountId}} está listo: {{detail}}. Le recordaremos antes de cada pago. Puede pagar en {{paymentLink}}.' },
    dispute_received: { subject: 'Recibimos su disputa', text: 'Hola {{debtorName}}, recibimos su disputa de {{detail}} en la cuenta {{accountId}}. La revisaremos y le enviaremos lo que encontremos.' },
    original_creditor_requested: { subject: 'Recibimos su solicitud', text: 'Hola {{debtorName}}, recibimos su solicitud del nombre y la dirección del acreedor original de la cuenta {{accountId}}. Se los enviaremos.' },
    details_changed: { subject: 'Se cambiaron sus datos de contacto', text: 'Hola {{debtorName}}, se cambiaron los datos de contacto de la cuenta {{accountId}} en su página ({{detail}}). Si no fue usted, avísenos de inmediato.' },
    preferences_changed: { subject: 'Guardamos sus preferencias de contacto', text: 'Hola {{debtorName}}, guardamos cómo prefiere que le contactemos sobre la cuenta {{accountId}}: {{detail}}.' },
    question_received: { subject: 'Recibimos su pregunta', text: 'Hola {{debtorName}}, recibimos su pregunta sobre la cuenta {{accountId}}. Una persona la responderá.' },
    opt_out_confirmed: { subject: 'Dejará de recibir mensajes', text: 'Hola {{debtorName}}, ya no le contactaremos por {{detail}} sobre la cuenta {{accountId}}.' },
    opt_in_confirmed: { subject: 'Aceptó recibir mensajes', text: 'Hola {{debtorName}}, aceptó que le contactemos por {{detail}} sobre la cuenta {{accountId}}.' },
  },
};

export function renderConfirmation(kind: ConfirmationKind, language: Language, values: ConfirmationValues): { subject: string; text: string } {
  const template = (CONFIRMATION_MESSAGES[language] ?? CONFIRMATION_MESSAGES.en)[kind];
  const footer = language === 'es' ? ES_FOOTER : EN_FOOTER;
  const fill = (text: string) => text.replace(/\{\{(\w+)\}\}/g, (_m, name: string) => (values as unknown as Record<string, string>)[name] ?? '');
  return { subject: fill(template.subject), text: fill(`${template.text} ${footer}`) };
}
