import * as fc from 'fast-check';
import { CRON_MACROS, cronProblem } from '../../../src/private/cron';

const INVALID = [
  '0 0 30 2 *', // February 30th never comes
  '0 0 31 4,6,9,11 *', // the 31st of a 30-day month
  '0 0 31 apr *',
  '0 0 30-31 feb *',
  '@reboot', // Vixie cron only
  '@every 1h', // Kubernetes only
  '@dayly',
  '@', // nothing
  'TZ=UTC 0 1 * * *',
  '0 1 * *',
  '61 * * * *',
  '* 24 * * *',
  '* * 32 * *',
  '* * * 0 *',
  '* * * * 8',
  '0 1 * * mon-',
];

const VALID = [
  ...CRON_MACROS,
  '@DAILY',
  ' @hourly ',
  '0 0 29 2 *', // every leap year
  '0 0 31 1-12 *', // the 31st of the months that have one
  '0 0 30 2 1', // day of month OR day of week: runs every Monday
  '0 0 31 */2 *', // January, March, May, July, September, November
  '*/15 * * * *',
  '5/15 * * * *',
  '0 3 * * 7',
  '0 0-6/2 1,15 jan-jun MON-FRI',
];

describe('cron schedules, as both Spilo\'s cron and Kubernetes read them', () => {
  test.each(INVALID)('%j is rejected', (schedule) => expect(cronProblem(schedule)).toBeDefined());
  test.each(VALID)('%j is accepted', (schedule) => expect(cronProblem(schedule)).toBeUndefined());

  test('property: a fixed day of month in a fixed month is accepted exactly when that date exists', () => {
    const lengths = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    fc.assert(fc.property(fc.integer({ min: 1, max: 31 }), fc.integer({ min: 1, max: 12 }), (day, month) =>
      (cronProblem(`0 0 ${day} ${month} *`) === undefined) === (day <= lengths[month - 1])));
  });

  test('property: any minute and hour in range is accepted, anything beyond is not', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 120 }), fc.integer({ min: 0, max: 50 }), (minute, hour) =>
      (cronProblem(`${minute} ${hour} * * *`) === undefined) === (minute <= 59 && hour <= 23)));
  });
});
