/**
 * What a debtor's SMS reply asks for. TCPA revocation must be honoured by any reasonable means;
 * these are the usual words (FCC 2024 order: at least STOP, QUIT, END, REVOKE, OPT OUT, CANCEL,
 * UNSUBSCRIBE) in English and Spanish. Anything else is a free-text reply for an operator.
 */
export type SmsIntent = 'opt_out' | 'opt_in' | 'help' | 'pay' | 'free_text';

const KEYWORDS: Record<Exclude<SmsIntent, 'free_text'>, string[]> = {
  opt_out: ['STOP', 'STOPALL', 'STOP ALL', 'QUIT', 'END', 'REVOKE', 'OPT OUT', 'OPTOUT', 'CANCEL', 'UNSUBSCRIBE', 'PARAR', 'ALTO', 'DETENER', 'CANCELAR', 'BAJA', 'NO MAS', 'NO MÁS'],
  opt_in: ['START', 'UNSTOP', 'YES', 'SUBSCRIBE', 'COMENZAR', 'INICIAR', 'SI', 'SÍ'],
  help: ['HELP', 'INFO', 'AYUDA'],
  pay: ['PAY', 'PAGAR', 'PAGO'],
};

export function smsIntent(body: string): SmsIntent {
  const normalized = body.trim().toUpperCase().replace(/[.!¡?¿,]+$/g, '').replace(/\s+/g, ' ');
  for (const [intent, words] of Object.entries(KEYWORDS) as [Exclude<SmsIntent, 'free_text'>, string[]][]) if (words.includes(normalized)) return intent;
  return 'free_text';
}
