// Internal: not part of the jsii API (do not re-export from src/index.ts).

const FIELDS: ReadonlyArray<{ readonly name: string; readonly min: number; readonly max: number; readonly names?: readonly string[] }> = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  // 0 and 7 are both Sunday in Vixie cron (Spilo's crontab) and in Kubernetes' CronJob parser.
  { name: 'day of week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

/** The macros both Vixie cron and Kubernetes CronJobs accept (`@reboot` and `@every` are one-sided). */
export const CRON_MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

// Days in each month, February in a leap year (a schedule on the 29th runs every fourth year, which is allowed).
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Why a cron expression is invalid, or undefined. Only the syntax both Vixie cron (Spilo's base backup schedule)
 * and Kubernetes CronJobs accept: five fields of numbers, names of months and weekdays, `*`, ranges, steps and
 * lists, or one of {@link CRON_MACROS}. Time zone prefixes (`TZ=`) are refused: CronJobs take the zone separately.
 * A day of month that no listed month has (`0 0 30 2 *`) never runs and is refused too.
 */
export function cronProblem(expression: string): string | undefined {
  const trimmed = expression.trim();
  if (trimmed.startsWith('@')) {
    return CRON_MACROS.includes(trimmed.toLowerCase()) ? undefined : `must be a cron expression of 5 fields or one of ${CRON_MACROS.join(', ')}`;
  }
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 5) {
    return `must be a cron expression of 5 fields (minute hour day-of-month month day-of-week), e.g. "30 1 * * *", or a macro such as @daily; it has ${fields.length}`;
  }
  for (let i = 0; i < 5; i++) {
    const spec = FIELDS[i];
    for (const item of fields[i].split(',')) {
      const problem = itemProblem(item, spec);
      if (problem) return `${spec.name} field "${fields[i]}": ${problem}`;
    }
  }
  // Cron runs when day of month OR day of week matches if both are restricted: only a lone day of month can be impossible.
  if (fields[2] !== '*' && fields[4] === '*') {
    const days = expand(fields[2], FIELDS[2]);
    const months = expand(fields[3], FIELDS[3]);
    if (!months.some((m) => days.some((d) => d <= MONTH_DAYS[m - 1]))) {
      return `day of month "${fields[2]}" never occurs in month "${fields[3]}": the schedule would never run`;
    }
  }
  return undefined;
}

/** The values a valid field matches. */
function expand(field: string, spec: typeof FIELDS[number]): number[] {
  const values = new Set<number>();
  for (const item of field.split(',')) {
    const [range, step] = item.split('/');
    const [from, to] = range === '*' ? [spec.min, spec.max]
      : range.split('-').map((b) => parseValue(b, spec)!).concat(step && !range.includes('-') ? [spec.max] : []);
    for (let v = from; v <= (to ?? from); v += step ? Number(step) : 1) values.add(v);
  }
  return [...values];
}

function itemProblem(item: string, spec: typeof FIELDS[number]): string | undefined {
  const [range, step, ...rest] = item.split('/');
  if (rest.length > 0 || range === '') return `"${item}" is not a value, a range or a step`;
  if (step !== undefined && !/^[1-9][0-9]*$/.test(step)) return `step "${step}" must be a positive integer`;
  if (range === '*') return undefined;
  const bounds = range.split('-');
  if (bounds.length > 2) return `"${range}" is not a range`;
  const values: number[] = [];
  for (const bound of bounds) {
    const value = parseValue(bound, spec);
    if (value === undefined) {
      return `"${bound}" must be ${spec.min}..${spec.max}${spec.names ? ` or one of ${spec.names.join(', ')}` : ''}`;
    }
    values.push(value);
  }
  if (values.length === 2 && values[0] > values[1]) return `range "${range}" runs backwards`;
  return undefined;
}

function parseValue(text: string, spec: typeof FIELDS[number]): number | undefined {
  if (/^[0-9]+$/.test(text)) {
    const value = Number(text);
    return value >= spec.min && value <= spec.max ? value : undefined;
  }
  const index = spec.names?.indexOf(text.toLowerCase()) ?? -1;
  if (index < 0) return undefined;
  return spec.min === 1 ? index + 1 : index;
}

/**
 * Why a CronJob time zone is invalid, or undefined: an IANA name the time zone database knows (as the API server and
 * the CronJob controller check it); "Local" and offsets are refused by Kubernetes.
 */
export function timeZoneProblem(zone: string): string | undefined {
  const rule = 'must be an IANA time zone name such as "Europe/Berlin" or "Etc/UTC"';
  if (zone === '' || zone === 'Local' || /\s|^[+-]|^TZ=/.test(zone)) return rule;
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
    // Intl ignores case; the time zone database (files on Linux, what Kubernetes and cron read) does not.
    if (resolved !== zone && resolved.toLowerCase() === zone.toLowerCase()) return `${rule} (names are case-sensitive: "${resolved}")`;
    return undefined;
  } catch {
    return `${rule} ("${zone}" is not in the time zone database)`;
  }
}

const MACRO_GAP_HOURS: Record<string, number> = {
  '@hourly': 1, '@daily': 24, '@midnight': 24, '@weekly': 7 * 24, '@monthly': 31 * 24, '@yearly': 366 * 24, '@annually': 366 * 24,
};

/**
 * The longest time between two runs of a valid cron expression, in hours (UTC, leap years included: a schedule
 * on the 29th of February gives four years). Day of month and day of week combine as in Vixie cron: when both
 * are restricted (neither starts with `*`), a day matching either runs.
 */
export function cronLongestGapHours(expression: string): number {
  const trimmed = expression.trim().toLowerCase();
  if (trimmed.startsWith('@')) return MACRO_GAP_HOURS[trimmed];
  const fields = trimmed.split(/\s+/);
  const [minutes, hours, days, months] = [0, 1, 2, 3].map((i) => expand(fields[i], FIELDS[i]));
  const weekdays = expand(fields[4], FIELDS[4]).map((d) => d % 7);
  const times = hours.flatMap((h) => minutes.map((m) => h * 60 + m)).sort((a, b) => a - b);
  // Within a day, then from the last run of a day to the first of the next day that runs.
  const withinDay = Math.max(0, ...times.slice(1).map((t, i) => t - times[i]));
  const anyDay = fields[2].startsWith('*');
  const anyWeekday = fields[4].startsWith('*');
  const start = Date.UTC(2024, 0, 1);
  let previous: number | undefined;
  let longest = 0;
  // Eight years hold every pattern of months, weekdays and leap days.
  for (let day = 0; day < 8 * 366; day++) {
    const date = new Date(start + day * 86_400_000);
    const dayMatch = days.includes(date.getUTCDate());
    const weekdayMatch = weekdays.includes(date.getUTCDay());
    const matches = months.includes(date.getUTCMonth() + 1)
      && (anyDay && anyWeekday ? true : anyDay ? weekdayMatch : anyWeekday ? dayMatch : dayMatch || weekdayMatch);
    if (!matches) continue;
    if (previous !== undefined) longest = Math.max(longest, (day - previous) * 24 * 60 - times[times.length - 1] + times[0]);
    previous = day;
  }
  return Math.max(withinDay, longest) / 60;
}
