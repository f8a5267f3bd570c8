import twilio from 'twilio';
import RequestClient from 'twilio/lib/base/RequestClient';

export interface SmsGateway {
  send(message: { to: string; body: string }): Promise<string>;
}

export interface TwilioSettings {
  accountSid: string;
  authToken: string;
  from: string;
  /** Send the REST calls to another origin (a Twilio-compatible endpoint); unset for Twilio itself. */
  apiBaseUrl?: string;
}

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
  return {
    async send({ to, body }) {
      const message = await client.messages.create({ to, from: settings.from, body });
      return message.sid;
    },
  };
}
