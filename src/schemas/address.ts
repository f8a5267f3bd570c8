/**
 * A postal address at the edge. A US address names its state by its USPS code: the state's rules
 * (contact caps, opt-in packs), its time zones and its limitation periods are looked up by that
 * code, so "New York" or "Calif." would switch them off without a word. It is refused instead.
 */
import { z } from 'zod';
import { isUsRegionCode } from '../domain/us-zones';
import { plainText } from './text';

export const US_REGION_PROBLEM = 'must be a USPS state or territory code such as NY for a US address';

/** The issue a region has for its country, or null. */
export function regionProblem(country: string, region: string): string | null {
  return country === 'US' && !isUsRegionCode(region.toUpperCase()) ? US_REGION_PROBLEM : null;
}

/** Adds the region's issue, if it has one, at `region` (the address's field, or a CSV row's column). */
export function checkRegion(country: string, region: string, ctx: z.RefinementCtx): void {
  const problem = regionProblem(country, region);
  if (problem) ctx.addIssue({ code: 'custom', path: ['region'], message: problem });
}

/** The region as kept: a US state's code in capitals ("ny" is NY), any other country's as written. */
export const keptRegion = (country: string, region: string): string => (country === 'US' ? region.toUpperCase() : region);

/** line1, city, region, postalCode, country; a US region must be a USPS code (kept in capitals). */
export const postalAddressSchema = (countryMessage = 'must be a two-letter ISO country code') =>
  z
    .object({ line1: plainText(200), city: plainText(100), region: plainText(100), postalCode: plainText(20), country: z.string().regex(/^[A-Z]{2}$/, countryMessage) })
    .superRefine((address, ctx) => checkRegion(address.country, address.region, ctx))
    .transform((address) => ({ ...address, region: keptRegion(address.country, address.region) }));
