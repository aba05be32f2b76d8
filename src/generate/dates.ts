// Calendar arithmetic on "epoch days" (days since 1970-01-01, proleptic Gregorian).
// Hand-rolled rather than Date-based because Date.UTC maps years 0-99 to 19xx and
// because building millions of date strings through Date objects is needlessly slow.

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(y: number, m: number): number {
  if (m === 2) return isLeapYear(y) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Howard Hinnant's days_from_civil. */
export function epochDayOf(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Howard Hinnant's civil_from_days. */
export function civilOf(day: number): { y: number; m: number; d: number } {
  const z = day + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

/** Epoch day of a strict `YYYY-MM-DD` naming a real calendar day, or null. */
export function parseIsoDay(s: string): number | null {
  const match = ISO_DAY.exec(s);
  if (!match) return null;
  const y = Number(match[1]);
  const m = Number(match[2]);
  const d = Number(match[3]);
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return null;
  return epochDayOf(y, m, d);
}

/** Like parseIsoDay, but a bad value is a caller error. */
export function requireIsoDay(s: string, what: string): number {
  const day = parseIsoDay(s);
  if (day === null) throw new RangeError(`${what} must be a real date as YYYY-MM-DD, got ${JSON.stringify(s)}`);
  return day;
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

export function formatIsoDay(day: number): string {
  const { y, m, d } = civilOf(day);
  if (y < 0 || y > 9999) throw new RangeError(`year ${y} does not fit YYYY`);
  return `${String(y).padStart(4, '0')}-${pad2(m)}-${pad2(d)}`;
}

/** Same day-of-month n months later, clamped to the month's end (Jan 31 + 1 month = Feb 28/29). */
export function addMonths(day: number, months: number): number {
  const { y, m, d } = civilOf(day);
  const total = y * 12 + (m - 1) + months;
  const ny = Math.floor(total / 12);
  const nm = total - ny * 12 + 1;
  return epochDayOf(ny, nm, Math.min(d, daysInMonth(ny, nm)));
}

/** `count` consecutive ISO days starting at `start`. */
export function dayRange(start: string, count: number): string[] {
  const first = requireIsoDay(start, 'start');
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(formatIsoDay(first + i));
  return out;
}
