// The commercial facts shared by the catalog and the journal: which subscription types
// exist and what they cost. Kept apart so that journal prices and catalog names can
// never drift from each other.

/** The 10 subscription types of the catalog, in catalog order. */
export const SUBSCRIPTION_NAMES = [
  'Basic',
  'Standard',
  'Premium',
  'Family',
  'Sports',
  'Movies',
  'Kids',
  'News',
  'Ultimate',
  'Student',
] as const;

export type SubscriptionName = (typeof SUBSCRIPTION_NAMES)[number];

/** Monthly list price in cents, parallel to SUBSCRIPTION_NAMES. */
export const MONTHLY_PRICE_CENTS: readonly number[] = [999, 1499, 2299, 2799, 3499, 1999, 799, 699, 4999, 599];

/**
 * Names that appear in the journal but not in the catalog (retired or trial plans), so
 * the enrichment join has something to leave unmatched.
 */
export const UNKNOWN_SUBSCRIPTIONS = ['Legacy', 'Trial', 'Gold', 'Platinum'] as const;
export const UNKNOWN_MONTHLY_PRICE_CENTS = 1299;

/** Contract lengths in months; end_date = start_date + term. */
export const TERM_MONTHS: readonly number[] = [1, 3, 6, 12];

/** Renewal cycle in days per term, used to keep an Id's start_date stable between renewals. */
export const TERM_CYCLE_DAYS: readonly number[] = [30, 91, 182, 365];

/** Longer commitments are cheaper per month, as real providers price them. */
const TERM_DISCOUNT: readonly number[] = [0, 0.05, 0.1, 0.15];

/** List price in cents of a term of a plan. */
export function termPriceCents(monthlyCents: number, termIndex: number): number {
  const months = TERM_MONTHS[termIndex] ?? 1;
  const discount = TERM_DISCOUNT[termIndex] ?? 0;
  return Math.round(monthlyCents * months * (1 - discount));
}

/**
 * Cents as the shortest JSON number text (1000 -> "10", 1050 -> "10.5", 1055 -> "10.55"),
 * built from integers so no binary-float artefact such as 10.549999 can appear.
 */
export function centsToJson(cents: number): string {
  const neg = cents < 0;
  const abs = neg ? -cents : cents;
  const whole = Math.floor(abs / 100);
  const frac = abs - whole * 100;
  let text: string;
  if (frac === 0) text = String(whole);
  else if (frac % 10 === 0) text = `${whole}.${frac / 10}`;
  else text = `${whole}.${frac < 10 ? '0' : ''}${frac}`;
  return neg ? `-${text}` : text;
}
