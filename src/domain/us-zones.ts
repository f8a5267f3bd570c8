import { stateOfPhone } from './area-codes';

/**
 * The IANA zones each US state and territory spans (most populous first). Used to find the
 * candidate zones of a debtor whose recorded zone disagrees with their address: Regulation F
 * §1006.6(b)(1)(i) then allows only times that are convenient in every candidate zone.
 */
export const STATE_ZONES: Readonly<Record<string, readonly string[]>> = {
  AL: ['America/Chicago'], AK: ['America/Anchorage', 'America/Adak'], AZ: ['America/Phoenix', 'America/Denver'],
  AR: ['America/Chicago'], CA: ['America/Los_Angeles'], CO: ['America/Denver'], CT: ['America/New_York'],
  DE: ['America/New_York'], DC: ['America/New_York'], FL: ['America/New_York', 'America/Chicago'], GA: ['America/New_York'],
  HI: ['Pacific/Honolulu'], ID: ['America/Boise', 'America/Los_Angeles'], IL: ['America/Chicago'],
  IN: ['America/Indiana/Indianapolis', 'America/Chicago'], IA: ['America/Chicago'], KS: ['America/Chicago', 'America/Denver'],
  KY: ['America/New_York', 'America/Chicago'], LA: ['America/Chicago'], ME: ['America/New_York'], MD: ['America/New_York'],
  MA: ['America/New_York'], MI: ['America/Detroit', 'America/Menominee'], MN: ['America/Chicago'], MS: ['America/Chicago'],
  MO: ['America/Chicago'], MT: ['America/Denver'], NE: ['America/Chicago', 'America/Denver'], NV: ['America/Los_Angeles', 'America/Denver'],
  NH: ['America/New_York'], NJ: ['America/New_York'], NM: ['America/Denver'], NY: ['America/New_York'],
  NC: ['America/New_York'], ND: ['America/Chicago', 'America/Denver'], OH: ['America/New_York'], OK: ['America/Chicago'],
  OR: ['America/Los_Angeles', 'America/Boise'], PA: ['America/New_York'], RI: ['America/New_York'], SC: ['America/New_York'],
  SD: ['America/Chicago', 'America/Denver'], TN: ['America/Chicago', 'America/New_York'], TX: ['America/Chicago', 'America/Denver'],
  UT: ['America/Denver'], VT: ['America/New_York'], VA: ['America/New_York'], WA: ['America/Los_Angeles'],
  WV: ['America/New_York'], WI: ['America/Chicago'], WY: ['America/Denver'],
  PR: ['America/Puerto_Rico'], VI: ['America/St_Thomas'], GU: ['Pacific/Guam'], MP: ['Pacific/Saipan'], AS: ['Pacific/Pago_Pago'],
};

/** Every USPS code of a US state, district or territory, and the armed forces' AA, AE and AP. */
const US_REGION_CODES: ReadonlySet<string> = new Set([...Object.keys(STATE_ZONES), 'AA', 'AE', 'AP']);
export const isUsRegionCode = (region: string): boolean => US_REGION_CODES.has(region);

/**
 * The zones to respect: the recorded one, plus every zone of the address's state and of the
 * phone number's state where they disagree with it, so that only times convenient in all of
 * them are used (§1006.6(b)(1)(i)).
 */
export function candidateZones(recordedZone: string, country: string, state: string | null, phone: string | null = null): string[] {
  const zones = [recordedZone];
  const add = (stateCode: string | null) => {
    const stateZones = stateCode ? STATE_ZONES[stateCode.toUpperCase()] : undefined;
    if (!stateZones || stateZones.includes(recordedZone)) return;
    for (const zone of stateZones) if (!zones.includes(zone)) zones.push(zone);
  };
  if (country === 'US') add(state);
  add(phone ? stateOfPhone(phone) : null);
  return zones;
}
