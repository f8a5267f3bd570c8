/**
 * The debt-collector disclosure (15 U.S.C. 1692e(11), 12 CFR 1006.18(e)(2)): every collection
 * communication after the first says it is from a debt collector. One pattern, in the languages
 * messages are written in, for every template checked at load (cadence steps, answer templates).
 */
export const DEBT_COLLECTOR_DISCLOSURE = /\bdebt collector\b|\bcobrador(a)? de deudas\b|\bagencia de cobr(o|anza)s?\b/i;

/** How a refusal tells the author what to add. */
export const DISCLOSURE_EXAMPLES = '"This is a communication from a debt collector", "cobrador de deudas"';
