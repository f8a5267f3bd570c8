/**
 * Geographic North American Numbering Plan area codes of the United States, its territories
 * and DC, mapped to the USPS code of the state or territory they serve.
 *
 * An area code says where a number was issued, not where the person is: numbers are portable
 * (people move and keep them, and carry mobiles everywhere). So the product uses it only to ADD
 * candidate time zones to a debtor's set, never to narrow that set.
 *
 * Pure data and string handling only: this module runs inside Temporal's workflow sandbox
 * (no Node built-ins, no Date, no zod).
 *
 * Left out on purpose (recent or announced overlays whose in-service status was not certain
 * when this table was written; add them once confirmed): 341 CA, 369 CA, 738 CA, 983 CO,
 * 324 FL, 645 FL, 728 FL, 943 GA, 730 IL, 861 IL, 457 LA, 924 MN, 975 MO, 136 NV, 329 NY,
 * 363 NY, 624 NY, 472 NC, 283 OH, 436 OH, 582 PA, 835 PA, 821 SC, 948 VA, 274 WI, 353 WI,
 * 483 AL. A number with such a code simply gets no state (null), which only means no extra
 * candidate zone is added.
 */

const CODES_BY_STATE: Readonly<Record<string, readonly string[]>> = {
  AL: ['205', '251', '256', '334', '659', '938'],
  AK: ['907'],
  AZ: ['480', '520', '602', '623', '928'],
  AR: ['327', '479', '501', '870'],
  CA: [
    '209', '213', '279', '310', '323', '350', '408', '415', '424', '442', '510', '530', '559', '562',
    '619', '626', '628', '650', '657', '661', '669', '707', '714', '747', '760', '805', '818', '820',
    '831', '840', '858', '909', '916', '925', '949', '951',
  ],
  CO: ['303', '719', '720', '970'],
  CT: ['203', '475', '860', '959'],
  DE: ['302'],
  DC: ['202', '771'],
  FL: [
    '239', '305', '321', '352', '386', '407', '448', '561', '656', '689', '727', '754', '772', '786',
    '813', '850', '863', '904', '941', '954',
  ],
  GA: ['229', '404', '470', '478', '678', '706', '762', '770', '912'],
  HI: ['808'],
  ID: ['208', '986'],
  IL: ['217', '224', '309', '312', '331', '447', '464', '618', '630', '708', '773', '779', '815', '847', '872'],
  IN: ['219', '260', '317', '463', '574', '765', '812', '930'],
  IA: ['319', '515', '563', '641', '712'],
  KS: ['316', '620', '785', '913'],
  KY: ['270', '364', '502', '606', '859'],
  LA: ['225', '318', '337', '504', '985'],
  ME: ['207'],
  MD: ['227', '240', '301', '410', '443', '667'],
  MA: ['339', '351', '413', '508', '617', '774', '781', '857', '978'],
  MI: ['231', '248', '269', '313', '517', '586', '616', '679', '734', '810', '906', '947', '989'],
  MN: ['218', '320', '507', '612', '651', '763', '952'],
  MS: ['228', '601', '662', '769'],
  MO: ['235', '314', '417', '557', '573', '636', '660', '816'],
  MT: ['406'],
  NE: ['308', '402', '531'],
  NV: ['702', '725', '775'],
  NH: ['603'],
  NJ: ['201', '551', '609', '640', '732', '848', '856', '862', '908', '973'],
  NM: ['505', '575'],
  NY: [
    '212', '315', '332', '347', '516', '518', '585', '607', '631', '646', '680', '716', '718', '838',
    '845', '914', '917', '929', '934',
  ],
  NC: ['252', '336', '704', '743', '828', '910', '919', '980', '984'],
  ND: ['701'],
  OH: ['216', '220', '234', '326', '330', '380', '419', '440', '513', '567', '614', '740', '937'],
  OK: ['405', '539', '572', '580', '918'],
  OR: ['458', '503', '541', '971'],
  PA: ['215', '223', '267', '272', '412', '445', '484', '570', '610', '717', '724', '814', '878'],
  RI: ['401'],
  SC: ['803', '839', '843', '854', '864'],
  SD: ['605'],
  TN: ['423', '615', '629', '731', '865', '901', '931'],
  TX: [
    '210', '214', '254', '281', '325', '346', '361', '409', '430', '432', '469', '512', '682', '713',
    '726', '737', '806', '817', '830', '832', '903', '915', '936', '940', '945', '956', '972', '979',
  ],
  UT: ['385', '435', '801'],
  VT: ['802'],
  VA: ['276', '434', '540', '571', '686', '703', '757', '804', '826'],
  WA: ['206', '253', '360', '425', '509', '564'],
  WV: ['304', '681'],
  WI: ['262', '414', '534', '608', '715', '920'],
  WY: ['307'],
  PR: ['787', '939'],
  VI: ['340'],
  GU: ['671'],
  MP: ['670'],
  AS: ['684'],
};

function invert(byState: Readonly<Record<string, readonly string[]>>): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [state, codes] of Object.entries(byState)) {
    for (const code of codes) {
      const existing = out[code];
      if (existing !== undefined) throw new Error(`area code ${code} listed for both ${existing} and ${state}`);
      out[code] = state;
    }
  }
  return Object.freeze(out);
}

/** Area code (3 digits) → USPS code of the US state, territory or DC it was issued in. */
export const AREA_CODE_STATES: Readonly<Record<string, string>> = invert(CODES_BY_STATE);

const NANP_E164 = /^\+1(\d{3})\d{7}$/;

/**
 * The state or territory whose area code a '+1' E.164 number carries (exactly 11 digits after
 * '+'), or null when the number is not NANP, malformed, or its area code is not a known US
 * geographic one (toll-free, Canadian, Caribbean, unassigned).
 */
export function stateOfPhone(e164: string): string | null {
  const match = NANP_E164.exec(e164);
  const areaCode = match?.[1];
  if (areaCode === undefined) return null;
  return Object.prototype.hasOwnProperty.call(AREA_CODE_STATES, areaCode) ? AREA_CODE_STATES[areaCode] ?? null : null;
}
