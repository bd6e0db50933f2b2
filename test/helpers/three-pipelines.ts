// The three pipelines of issue 19's proof, shared by the time-skipping run and the dev-server schedule check:
// every 4 h (UTC), a weekday 06:00 New York cron (crossing a DST change), and one triggered by the first.

const sql = (name: string, dependsOn: string[] = []) => ({ name, kind: 'sql', sql: `select '${name}'`, dependsOn });

/** The `pipelines` section of the three; `prefix` keeps names apart between suites sharing a namespace. */
export function threePipelines(prefix: string) {
  return [
    { name: `${prefix}claims`, schedule: { every: '4h' }, steps: [sql('land'), sql('publish', ['land'])] },
    {
      name: `${prefix}finance`,
      schedule: { cron: '0 6 * * 1-5', timezone: 'America/New_York' },
      steps: [sql('build')],
    },
    { name: `${prefix}marts`, triggers: [{ pipeline: `${prefix}claims`, step: 'land' }], steps: [sql('refresh')] },
  ];
}

const DAY = 86_400_000;

/** New York's UTC offset in hours at an instant (-5 in winter, -4 in summer). */
function newYorkOffsetHours(ms: number): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', timeZoneName: 'shortOffset' })
    .formatToParts(new Date(ms))
    .find((p) => p.type === 'timeZoneName')!.value;
  return Number(name.replace('GMT', ''));
}

/**
 * Two weeks from the Sunday 00:00Z a week before New York's next DST change after `after` (US changes fall on
 * a Sunday), so the first week's weekdays are on one side of the change and the second week's on the other.
 */
export function twoWeeksAcrossDst(after: Date): { from: Date; to: Date; offsets: [number, number] } {
  const startDay = Math.ceil(after.getTime() / DAY) * DAY;
  let change = startDay;
  while (newYorkOffsetHours(change) === newYorkOffsetHours(startDay)) change += DAY;
  const sunday = change - DAY - new Date(change - DAY).getUTCDay() * DAY;
  const from = sunday - 7 * DAY;
  return {
    from: new Date(from),
    to: new Date(from + 14 * DAY),
    offsets: [newYorkOffsetHours(from), newYorkOffsetHours(from + 14 * DAY)],
  };
}

/** The weekday 06:00 New York instants of the two weeks, written out from the offsets on each side of the change. */
export function expectedWeekdayMornings(from: Date, offsets: [number, number]): string[] {
  const out: string[] = [];
  for (let week = 0; week < 2; week++)
    for (let weekday = 1; weekday <= 5; weekday++)
      out.push(new Date(from.getTime() + (week * 7 + weekday) * DAY + (6 - offsets[week]) * 3_600_000).toISOString());
  return out;
}

/** Every 4 h boundary in (from, to]. */
export function expectedEveryFourHours(from: Date, to: Date): string[] {
  const out: string[] = [];
  for (let t = from.getTime() + 4 * 3_600_000; t <= to.getTime(); t += 4 * 3_600_000)
    out.push(new Date(t).toISOString());
  return out;
}
