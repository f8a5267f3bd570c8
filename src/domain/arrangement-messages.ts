/**
 * Messages the arrangements send (plan reminders, missed instalments, a partly kept promise, a
 * plan in default), in English and Spanish. Data, rendered by the workflow; every message
 * carries the debt-collector disclosure and a way to opt out, as cadence messages do.
 */
import type { Language } from './account';

export type ArrangementMessageKind = 'plan_reminder' | 'plan_missed' | 'plan_default' | 'promise_partial';

export interface ArrangementMessageValues {
  debtorName: string;
  accountId: string;
  amount: string;
  date: string;
  balance: string;
  paymentLink: string;
  optOutEmail: string;
}

type Texts = Record<ArrangementMessageKind, { subject: string; text: string }>;

export const ARRANGEMENT_MESSAGES: Record<Language, Texts> = {
  en: {
    plan_reminder: {
      subject: 'Your payment of {{amount}} is due on {{date}}',
      text: 'Hello {{debtorName}}, this is a reminder that the payment of {{amount}} under your payment plan for account {{accountId}} is due on {{date}}. Pay at {{paymentLink}}. This communication is from a debt collector. To stop emails write to {{optOutEmail}}; to stop texts reply STOP.',
    },
    plan_missed: {
      subject: 'We have not received your payment of {{amount}}',
      text: 'Hello {{debtorName}}, we have not received the payment of {{amount}} that was due on {{date}} under your payment plan for account {{accountId}}. Please pay by {{date}} plus the grace period at {{paymentLink}} to keep your plan. This communication is from a debt collector. To stop emails write to {{optOutEmail}}; to stop texts reply STOP.',
    },
    plan_default: {
      subject: 'Your payment plan for account {{accountId}} has ended',
      text: 'Hello {{debtorName}}, because payments under your plan for account {{accountId}} were missed, the plan has ended. {{balance}} remains due. Pay at {{paymentLink}} or contact us to discuss it. This communication is from a debt collector. To stop emails write to {{optOutEmail}}; to stop texts reply STOP.',
    },
    promise_partial: {
      subject: 'Thank you for your payment; {{amount}} remains of your promise',
      text: 'Hello {{debtorName}}, thank you for your payment on account {{accountId}}. {{amount}} of the amount you promised by {{date}} has not arrived yet. Please pay the rest at {{paymentLink}}. {{balance}} remains due in total. This communication is from a debt collector. To stop emails write to {{optOutEmail}}; to stop texts reply STOP.',
    },
  },
  es: {
    plan_reminder: {
      subject: 'Su pago de {{amount}} vence el {{date}}',
      text: 'Hola {{debtorName}}, le recordamos que el pago de {{amount}} de su plan de pagos de la cuenta {{accountId}} vence el {{date}}. Pague en {{paymentLink}}. Esta comunicación es de un cobrador de deudas. Para no recibir correos escriba a {{optOutEmail}}; para no recibir mensajes responda STOP.',
    },
    plan_missed: {
      subject: 'No hemos recibido su pago de {{amount}}',
      text: 'Hola {{debtorName}}, no hemos recibido el pago de {{amount}} que vencía el {{date}} en su plan de pagos de la cuenta {{accountId}}. Pague en {{paymentLink}} durante el período de gracia para conservar su plan. Esta comunicación es de un cobrador de deudas. Para no recibir correos escriba a {{optOutEmail}}; para no recibir mensajes responda STOP.',
    },
    plan_default: {
      subject: 'Su plan de pagos de la cuenta {{accountId}} ha terminado',
      text: 'Hola {{debtorName}}, como no se recibieron pagos de su plan de la cuenta {{accountId}}, el plan ha terminado. Quedan {{balance}} pendientes. Pague en {{paymentLink}} o comuníquese con nosotros. Esta comunicación es de un cobrador de deudas. Para no recibir correos escriba a {{optOutEmail}}; para no recibir mensajes responda STOP.',
    },
    promise_partial: {
      subject: 'Gracias por su pago; faltan {{amount}} de su promesa',
      text: 'Hola {{debtorName}}, gracias por su pago en la cuenta {{accountId}}. Aún no han llegado {{amount}} de lo que prometió pagar antes del {{date}}. Pague el resto en {{paymentLink}}. Quedan {{balance}} pendientes en total. Esta comunicación es de un cobrador de deudas. Para no recibir correos escriba a {{optOutEmail}}; para no recibir mensajes responda STOP.',
    },
  },
};

export function renderArrangementMessage(kind: ArrangementMessageKind, language: Language, values: ArrangementMessageValues): { subject: string; text: string } {
  const template = (ARRANGEMENT_MESSAGES[language] ?? ARRANGEMENT_MESSAGES.en)[kind];
  const fill = (text: string) => text.replace(/\{\{(\w+)\}\}/g, (_m, name: string) => (values as unknown as Record<string, string>)[name] ?? '');
  return { subject: fill(template.subject), text: fill(template.text) };
}
