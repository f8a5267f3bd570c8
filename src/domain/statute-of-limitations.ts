/**
 * Statutes of limitations on consumer debts, and the disclosure a message about a time-barred debt
 * carries. 12 CFR 1006.26(b): no suit or threat of suit on a time-barred debt; some states also
 * prescribe a disclosure text. Pure and deterministic (it runs in Temporal's workflow sandbox): no
 * clock, no I/O; the caller passes the instant it asks about.
 *
 * NOT LEGAL ADVICE. The table and the texts below are a starting point compiled from commonly
 * published figures; counsel reviews them per creditor (the applicable period depends on the kind of
 * debt, the contract's choice of law, tolling and revival rules, and changes in the law) and
 * records the result as that creditor's overrides.
 */

/**
 * Years to sue on a consumer debt on a written contract, by USPS code (50 states + DC).
 * Where published tables disagree, the shorter figure is used: treating a debt as time-barred too
 * early only costs a disclosure and a suit not filed, too late risks suing on a barred debt.
 */
export const WRITTEN_CONTRACT_LIMITATION_YEARS: Readonly<Record<string, number>> = {
  AL: 6,
  AK: 3,
  AZ: 6,
  AR: 5,
  CA: 4,
  CO: 6,
  CT: 6,
  DE: 3,
  DC: 3,
  FL: 5,
  GA: 6,
  HI: 6,
  ID: 5,
  IL: 10,
  IN: 6, // IC 34-11-2-9, contracts for the payment of money; some tables give 10 (IC 34-11-2-11)
  IA: 10,
  KS: 5,
  KY: 10, // 15 for contracts made before 2014-07-15
  LA: 10, // open accounts and credit cards: 3 (La. C.C. art. 3494) — review per product
  ME: 6,
  MD: 3,
  MA: 6,
  MI: 6,
  MN: 6,
  MS: 3,
  MO: 10, // written promises to pay money (RSMo 516.110); other written contracts 5
  MT: 8,
  NE: 5,
  NV: 6,
  NH: 3,
  NJ: 6,
  NM: 6,
  NY: 3, // consumer credit transactions since the Consumer Credit Fairness Act (2022); 6 for other contracts
  NC: 3,
  ND: 6,
  OH: 6, // 8 before 2021-06-16
  OK: 5,
  OR: 6,
  PA: 4,
  RI: 10,
  SC: 3,
  SD: 6,
  TN: 6,
  TX: 4,
  UT: 6,
  VT: 6,
  VA: 5,
  WA: 6,
  WV: 10,
  WI: 6,
  WY: 10,
};

/** A creditor's reviewed figures by USPS code; each replaces the table's entry (and may add a territory). */
export type LimitationOverrides = Readonly<Record<string, number>>;

export interface TimeBarredQuery {
  state: string; // USPS code
  /** The later of the last payment and the due date that was missed: the period runs from here. */
  lastPaymentOrDueDate: string; // YYYY-MM-DD
  asOf: string; // ISO instant with Z or an offset
  overrides?: LimitationOverrides;
}

export interface TimeBarredStatus {
  barred: boolean;
  /** The period applied, or null when neither the table nor the overrides know the state. */
  years: number | null;
  /** The first day on which the debt is treated as time-barred. */
  barredSince: string | null; // YYYY-MM-DD
}

const normalizedState = (state: string) => state.trim().toUpperCase();

function parseDate(date: string, field: string): { year: number; month: number; day: number } {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const [year, month, day] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [NaN, NaN, NaN];
  // Round-trip through UTC so that 2023-02-30 is refused rather than read as 2023-03-02.
  const roundTrip = match ? new Date(Date.UTC(year, month - 1, day)).toISOString().slice(0, 10) : '';
  if (roundTrip !== date) throw new RangeError(`${field} is not a date YYYY-MM-DD: "${date}"`);
  return { year, month, day };
}

function instantMs(iso: string, field: string): number {
  const ms = /(Z|[+-]\d{2}:?\d{2})$/i.test(iso) ? Date.parse(iso) : NaN;
  if (Number.isNaN(ms)) throw new RangeError(`${field} is not an ISO instant with Z or an offset: "${iso}"`);
  return ms;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const isLeapYear = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/** The same calendar day `years` later; 29 February falls back to 28 February (the earlier day). */
function addYears(date: string, years: number): string {
  const { year, month, day } = parseDate(date, 'lastPaymentOrDueDate');
  const target = year + years;
  const targetDay = month === 2 && day === 29 && !isLeapYear(target) ? 28 : day;
  return `${pad(target, 4)}-${pad(month)}-${pad(targetDay)}`;
}

/** The period for a state: the creditor's override first, then the table; null when neither knows it. */
export function limitationYears(state: string, overrides?: LimitationOverrides): number | null {
  const key = normalizedState(state);
  for (const [source, table] of [['creditor override', overrides ?? {}], ['table', WRITTEN_CONTRACT_LIMITATION_YEARS]] as const) {
    if (!Object.hasOwn(table, key)) continue;
    const years = table[key]!;
    if (!Number.isInteger(years) || years <= 0) throw new RangeError(`${source} for ${key}: years must be a positive whole number, got ${years}`);
    return years;
  }
  return null;
}

/**
 * Whether a debt is time-barred at `asOf`. The debt counts as barred from the anniversary of
 * `lastPaymentOrDueDate` `years` later: a day earlier than rules that exclude the first day, which
 * errs toward not suing. `asOf` is read as a UTC date; UTC is ahead of every US state's zone, so
 * this too can only make the debt barred a few hours sooner, never later.
 * An unknown state is reported as not barred with `years: null`, for review.
 */
export function isTimeBarred(query: TimeBarredQuery): TimeBarredStatus {
  parseDate(query.lastPaymentOrDueDate, 'lastPaymentOrDueDate');
  const asOfDate = new Date(instantMs(query.asOf, 'asOf')).toISOString().slice(0, 10);
  const years = limitationYears(query.state, query.overrides);
  if (years === null) return { barred: false, years: null, barredSince: null };
  const barredSince = addYears(query.lastPaymentOrDueDate, years);
  return { barred: asOfDate >= barredSince, years, barredSince };
}

// ---- disclosures ------------------------------------------------------------------------------------

export type DisclosureLanguage = 'en' | 'es';

/** Placeholders in the disclosure texts, in the {{name}} syntax of templates; the caller fills them. */
export const TIME_BARRED_DISCLOSURE_PLACEHOLDERS = ['creditorName'] as const;

/**
 * The federal-style text (the wording the CFPB and FTC have used for time-barred debts): it says
 * no suit will be brought, and makes no claim about credit reporting or revival.
 */
export const FEDERAL_TIME_BARRED_DISCLOSURE: Readonly<Record<DisclosureLanguage, string>> = {
  en: 'The law limits how long you can be sued on a debt. Because of the age of your debt, {{creditorName}} will not sue you for it.',
  es: 'La ley limita el plazo durante el cual se le puede demandar por una deuda. Debido a la antigüedad de su deuda, {{creditorName}} no le demandará por ella.',
};

/**
 * States that prescribe their own text. Each is a short rendering of the rule cited, TO BE REVIEWED
 * BY COUNSEL before use (exact wording, type size, placement, and whether the debt may still be
 * credit-reported all matter); the Spanish texts are our translations, also to be reviewed.
 */
export const STATE_TIME_BARRED_DISCLOSURES: Readonly<Record<string, Readonly<Record<DisclosureLanguage, string>>>> = {
  // Cal. Civ. Code 1788.14(d) and 1788.52(d): the variant for a debt that may still be reported.
  CA: {
    en: 'The law limits how long you can be sued on a debt. Because of the age of your debt, we will not sue you for it. If you do not pay the debt, {{creditorName}} may report or continue to report it to the credit reporting agencies as unpaid for as long as the law permits this reporting.',
    es: 'La ley limita el plazo durante el cual se le puede demandar por una deuda. Debido a la antigüedad de su deuda, no le demandaremos por ella. Si no paga la deuda, {{creditorName}} puede informar o seguir informando a las agencias de informes de crédito que la deuda no ha sido pagada durante el tiempo que la ley permita dicho informe.',
  },
  // 940 CMR 7.07(24) (Massachusetts Attorney General), shortened.
  MA: {
    en: 'WE ARE REQUIRED BY REGULATION OF THE MASSACHUSETTS ATTORNEY GENERAL TO NOTIFY YOU OF THE FOLLOWING INFORMATION. THIS INFORMATION IS NOT LEGAL ADVICE: YOUR CREDITOR OR DEBT COLLECTOR BELIEVES THAT THE LEGAL TIME LIMIT (STATUTE OF LIMITATIONS) FOR SUING YOU TO COLLECT THIS DEBT MAY HAVE EXPIRED. {{creditorName}} WILL NOT SUE YOU FOR IT. IF YOU MAKE A PAYMENT ON THE DEBT, ADMIT TO OWING THE DEBT, PROMISE TO PAY THE DEBT, OR WAIVE THE STATUTE OF LIMITATIONS, THE TIME PERIOD IN WHICH THE DEBT IS ENFORCEABLE IN COURT MAY START AGAIN.',
    es: 'EL REGLAMENTO DEL PROCURADOR GENERAL DE MASSACHUSETTS NOS EXIGE INFORMARLE LO SIGUIENTE. ESTA INFORMACIÓN NO ES ASESORAMIENTO LEGAL: SU ACREEDOR O COBRADOR DE DEUDAS CREE QUE EL PLAZO LEGAL (PRESCRIPCIÓN) PARA DEMANDARLE POR ESTA DEUDA PUEDE HABER VENCIDO. {{creditorName}} NO LE DEMANDARÁ POR ELLA. SI HACE UN PAGO, ADMITE QUE DEBE LA DEUDA, PROMETE PAGARLA O RENUNCIA A LA PRESCRIPCIÓN, EL PLAZO EN QUE LA DEUDA PUEDE EXIGIRSE ANTE UN TRIBUNAL PUEDE COMENZAR DE NUEVO.',
  },
  // N.C. Gen. Stat. 58-70-115 (debt buyers and collection agencies), shortened.
  NC: {
    en: 'THE LAW LIMITS HOW LONG YOU CAN BE SUED ON A DEBT. BECAUSE OF THE AGE OF YOUR DEBT, {{creditorName}} CANNOT SUE YOU FOR IT.',
    es: 'LA LEY LIMITA EL PLAZO DURANTE EL CUAL SE LE PUEDE DEMANDAR POR UNA DEUDA. DEBIDO A LA ANTIGÜEDAD DE SU DEUDA, {{creditorName}} NO PUEDE DEMANDARLE POR ELLA.',
  },
  // 12.2.12 NMAC (New Mexico Attorney General), shortened.
  NM: {
    en: 'The law limits how long you can be sued on a debt. Because of the age of your debt, {{creditorName}} cannot sue you for it.',
    es: 'La ley limita el plazo durante el cual se le puede demandar por una deuda. Debido a la antigüedad de su deuda, {{creditorName}} no puede demandarle por ella.',
  },
  // 23 NYCRR 1.3 (Department of Financial Services) and CPLR 214-i: a payment does not revive the debt.
  NY: {
    en: 'We are required by regulation of the New York State Department of Financial Services to notify you of the following information. This information is NOT legal advice: Your creditor or debt collector believes that the legal time limit (statute of limitations) for suing you to collect this debt has expired. {{creditorName}} will not sue you for it. If you are sued on this debt, you may be able to prevent a judgment by telling the court that the statute of limitations has expired. Under New York law, a payment does not restart the time limit.',
    es: 'El reglamento del Departamento de Servicios Financieros del Estado de Nueva York nos exige informarle lo siguiente. Esta información NO es asesoramiento legal: su acreedor o cobrador de deudas cree que el plazo legal (prescripción) para demandarle por esta deuda ha vencido. {{creditorName}} no le demandará por ella. Si le demandan por esta deuda, puede evitar una sentencia informando al tribunal que el plazo de prescripción ha vencido. Según la ley de Nueva York, un pago no reinicia el plazo.',
  },
  // Tex. Fin. Code 392.307 (a payment does not revive a time-barred consumer debt), shortened.
  TX: {
    en: 'THE LAW LIMITS HOW LONG YOU CAN BE SUED ON A DEBT. BECAUSE OF THE AGE OF YOUR DEBT, {{creditorName}} CANNOT SUE YOU FOR IT.',
    es: 'LA LEY LIMITA EL PLAZO DURANTE EL CUAL SE LE PUEDE DEMANDAR POR UNA DEUDA. DEBIDO A LA ANTIGÜEDAD DE SU DEUDA, {{creditorName}} NO PUEDE DEMANDARLE POR ELLA.',
  },
  // W. Va. Code 46A-2-128(f), shortened.
  WV: {
    en: 'THE LAW LIMITS HOW LONG YOU CAN BE SUED ON A DEBT. BECAUSE OF THE AGE OF YOUR DEBT, {{creditorName}} CANNOT SUE YOU FOR IT. IF YOU DO NOT PAY THE DEBT, {{creditorName}} MAY REPORT OR CONTINUE TO REPORT IT TO THE CREDIT REPORTING AGENCIES AS UNPAID FOR AS LONG AS THE LAW PERMITS THIS REPORTING.',
    es: 'LA LEY LIMITA EL PLAZO DURANTE EL CUAL SE LE PUEDE DEMANDAR POR UNA DEUDA. DEBIDO A LA ANTIGÜEDAD DE SU DEUDA, {{creditorName}} NO PUEDE DEMANDARLE POR ELLA. SI NO PAGA LA DEUDA, {{creditorName}} PUEDE INFORMAR O SEGUIR INFORMANDO A LAS AGENCIAS DE INFORMES DE CRÉDITO QUE LA DEUDA NO HA SIDO PAGADA DURANTE EL TIEMPO QUE LA LEY LO PERMITA.',
  },
};

/** USPS codes of the states with their own text, sorted. */
export const STATES_WITH_OWN_TIME_BARRED_DISCLOSURE: readonly string[] = Object.keys(STATE_TIME_BARRED_DISCLOSURES).sort();

/** The disclosure for a time-barred debt of a debtor in `state`, with {{creditorName}} left for the caller. */
export function timeBarredDisclosure(state: string, language: DisclosureLanguage): string {
  const key = normalizedState(state);
  const texts = Object.hasOwn(STATE_TIME_BARRED_DISCLOSURES, key) ? STATE_TIME_BARRED_DISCLOSURES[key]! : FEDERAL_TIME_BARRED_DISCLOSURE;
  const text = (texts as Record<string, string | undefined>)[language];
  if (text === undefined) throw new RangeError(`no time-barred disclosure in language "${language}"`);
  return text;
}
