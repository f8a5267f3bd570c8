import type { Pool } from 'pg';
import { createOrderLog, type OrderKind } from '../adapters/order-log.repository';
import { messageId, type Mailer } from '../adapters/smtp.mailer';
import { postSignedWebhook, WebhookRejectedError } from '../adapters/webhook.client';
import { resolveSecret, type CreditorDirectory, type CreditorSettings } from '../schemas/creditors.schema';
import { permanent } from './failures';

export interface EscalationDeps {
  pool: Pool;
  mailer: Mailer;
  creditors: CreditorDirectory;
}

interface OrderBase {
  idempotencyKey: string;
  accountKey: string;
  creditorId: string;
  accountId: string;
  debtorName: string;
  balanceMinor: number;
  currency: string;
}
export interface CreditDepartmentNoticeInput extends OrderBase { subject: string; text: string }
export interface DisconnectionOrderInput extends OrderBase { serviceId: string }
export interface RepossessionOrderInput extends OrderBase { collateralVin: string; subject: string; text: string; address: string[] }


export function createEscalationActivities(deps: EscalationDeps) {
  const orderLog = createOrderLog(deps.pool);
  const creditor = (id: string): CreditorSettings => {
    const found = deps.creditors.creditors.find((c) => c.id === id);
    if (!found) throw permanent('creditor_not_configured', `creditor ${id} is not in the creditor directory`);
    return found;
  };

  /** Records the order and delivers it once; webhook refusals (4xx) are permanent, outages retried. */
  const order = async (kind: OrderKind, input: OrderBase, destination: string, payload: object, deliver: () => Promise<string>) => {
    try {
      const outcome = await orderLog.sendOnce({ kind, idempotencyKey: input.idempotencyKey, accountKey: input.accountKey, destination, payload }, deliver);
      return { status: outcome.status, destination, response: outcome.response };
    } catch (error) {
      if (error instanceof WebhookRejectedError && error.status < 500 && ![408, 409, 429].includes(error.status)) throw permanent('order_refused', error.message);
      throw error;
    }
  };

  return {
    /** Tells the creditor's credit department about the account (e.g. to stop further credit). */
    async notifyCreditDepartment(input: CreditDepartmentNoticeInput) {
      const to = creditor(input.creditorId).creditDepartmentEmail;
      return order('credit_department_notice', input, `mailto:${to}`, { subject: input.subject }, () =>
        deps.mailer.send({ to, subject: input.subject, text: input.text, html: null, messageId: messageId(input.idempotencyKey), listUnsubscribe: `<mailto:${to}>` }),
      );
    },

    /** Orders service disconnection through the creditor's signed webhook; retried until acknowledged. */
    async orderServiceDisconnection(input: DisconnectionOrderInput) {
      const settings = creditor(input.creditorId).disconnection;
      if (!settings) throw permanent('creditor_not_configured', `creditor ${input.creditorId} has no disconnection webhook`);
      const payload = { type: 'service_disconnection.ordered', idempotencyKey: input.idempotencyKey, creditorId: input.creditorId, accountId: input.accountId, serviceId: input.serviceId, balanceMinor: input.balanceMinor, currency: input.currency };
      return order('service_disconnection', input, settings.webhookUrl, payload, () =>
        postSignedWebhook({ url: settings.webhookUrl, secret: resolveSecret(settings), idempotencyKey: input.idempotencyKey, payload }),
      );
    },

    /** Orders the service back on (the debt is paid, or on a plan the creditor accepts), the same way the disconnection went. */
    async orderServiceReconnection(input: DisconnectionOrderInput) {
      const settings = creditor(input.creditorId).disconnection;
      if (!settings) throw permanent('creditor_not_configured', `creditor ${input.creditorId} has no disconnection webhook`);
      const payload = { type: 'service_reconnection.ordered', idempotencyKey: input.idempotencyKey, creditorId: input.creditorId, accountId: input.accountId, serviceId: input.serviceId, balanceMinor: input.balanceMinor, currency: input.currency };
      return order('service_reconnection', input, settings.webhookUrl, payload, () =>
        postSignedWebhook({ url: settings.webhookUrl, secret: resolveSecret(settings), idempotencyKey: input.idempotencyKey, payload }),
      );
    },

    /** Sends a repossession order with the collateral's details to the creditor's recovery agent. */
    async orderRepossession(input: RepossessionOrderInput) {
      const settings = creditor(input.creditorId).repossession;
      if (!settings) throw permanent('creditor_not_configured', `creditor ${input.creditorId} has no recovery agent`);
      const payload = { type: 'repossession.ordered', idempotencyKey: input.idempotencyKey, creditorId: input.creditorId, accountId: input.accountId, debtorName: input.debtorName, address: input.address, collateralVin: input.collateralVin, balanceMinor: input.balanceMinor, currency: input.currency };
      if ('email' in settings)
        return order('repossession', input, `mailto:${settings.email}`, payload, () =>
          deps.mailer.send({ to: settings.email, subject: input.subject, text: input.text, html: null, messageId: messageId(input.idempotencyKey), listUnsubscribe: `<mailto:${settings.email}>` }),
        );
      return order('repossession', input, settings.webhookUrl, payload, () =>
        postSignedWebhook({ url: settings.webhookUrl, secret: resolveSecret(settings), idempotencyKey: input.idempotencyKey, payload }),
      );
    },

    /** A task for a human caller, with the script to read. */
    async createCallTask(input: { idempotencyKey: string; accountKey: string; phone: string; script: string; voicemail?: string }) {
      await deps.pool.query(
        `INSERT INTO call_tasks (idempotency_key, account_key, phone, script, voicemail) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (idempotency_key) DO NOTHING`,
        [input.idempotencyKey, input.accountKey, input.phone, input.script, input.voicemail ?? null],
      );
      return { taskId: input.idempotencyKey };
    },
  };
}
