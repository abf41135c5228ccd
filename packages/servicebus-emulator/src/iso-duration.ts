/**
 * ISO 8601 durations as ARM writes them for Service Bus (`PT1M`, `P14D`, `PT0.5S`,
 * `P10675199DT2H48M5.4775807S`). Years and months are refused: their length depends on the
 * calendar, and ARM never emits them for these properties.
 */
const DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

export function parseIsoDuration(text: string): number {
  const match = DURATION.exec(text);
  if (!match || text === 'P' || text.endsWith('T')) {
    throw new Error(`"${text}" is not an ISO 8601 duration of weeks, days, hours, minutes and seconds (e.g. PT1M, P14D)`);
  }
  const [, weeks, days, hours, minutes, seconds] = match;
  const totalSeconds =
    Number(weeks ?? 0) * 7 * 86_400 +
    Number(days ?? 0) * 86_400 +
    Number(hours ?? 0) * 3_600 +
    Number(minutes ?? 0) * 60 +
    Number(seconds ?? 0);
  return Math.round(totalSeconds * 1000);
}
