import twilio from 'twilio';
import RequestClient from 'twilio/lib/base/RequestClient';

export interface SmsGateway {
  send(message: { to: string; body: string }): Promise<string>;
  /**
   * The sid of a message with this body sent to this number since `since`, if the provider has
   * one: a retry asks before sending again when an earlier attempt may have reached the provider.
   */
  findSent(message: { to: string; body: string; since: Date }): Promise<string | null>;
}

export interface TwilioSettings {
  accountSid: string;
  authToken: string;
  from: string;
  /** Send the REST calls to another origin (a Twilio-compatible endpoint); unset for Twilio itself. */
  apiBaseUrl?: string;
  /** The HTTP service's public base URL: Twilio then reports each message's delivery to <base>/webhooks/twilio/status. */
  statusCallbackBaseUrl?: string;
}

export const STATUS_CALLBACK_PATH = '/webhooks/twilio/status';

/** Keeps the Twilio client's request building and auth, only changing the origin it talks to. */
class RedirectingRequestClient extends RequestClient {
  constructor(private readonly origin: URL) {
    super({ autoRetry: false });
  }
  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const target = new URL(opts.uri);
    target.protocol = this.origin.protocol;
    target.host = this.origin.host;
    return super.request({ ...opts, uri: target.href });
  }
}

export function createTwilioSmsGateway(settings: TwilioSettings): SmsGateway {
  const client = twilio(settings.accountSid, settings.authToken, {
    httpClient: settings.apiBaseUrl ? new RedirectingRequestClient(new URL(settings.apiBaseUrl)) : undefined,
  });
  const statusCallback = settings.statusCallbackBaseUrl ? `${settings.statusCallbackBaseUrl.replace(/\/$/, '')}${STATUS_CALLBACK_PATH}` : undefined;
  return {
    async send({ to, body }) {
      const message = await client.messages.create({ to, from: settings.from, body, ...(statusCallback ? { statusCallback } : {}) });
      return message.sid;
    },
    async findSent({ to, body, since }) {
      // Newest first; a retry follows its lost attempt within minutes, so one page is enough.
      const recent = await client.messages.list({ to, from: settings.from, limit: 50 });
      const found = recent.find((m) => m.body === body && m.dateCreated !== null && m.dateCreated.getTime() >= since.getTime());
      return found?.sid ?? null;
    },
  };
}
