import { z } from 'zod';
import { defineTool, toolError } from './tool.js';

/** The current time as ISO 8601, in UTC or in an IANA time zone (with its offset). */
export const currentTime = defineTool({
  name: 'current_time',
  description:
    'Returns the current date and time as ISO 8601. Pass an IANA time zone (e.g. "Europe/Paris") for local time.',
  args: z.strictObject({ timezone: z.string().describe('IANA time zone name; UTC when omitted.').optional() }),
  availableTo: () => true,
  async run(args) {
    const now = new Date();
    const zone = args.timezone;
    if (zone === undefined || zone === '') return { output: now.toISOString(), isError: false };
    let format: Intl.DateTimeFormat;
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        timeZoneName: 'longOffset',
      });
    } catch {
      return toolError(`unknown time zone: ${zone}`);
    }
    return { output: `${isoInZone(format, now)} (${zone})`, isError: false };
  },
});

function isoInZone(format: Intl.DateTimeFormat, date: Date): string {
  const part: Record<string, string> = {};
  for (const p of format.formatToParts(date)) part[p.type] = p.value;
  // longOffset reads "GMT+02:00", or just "GMT" at UTC.
  const offset = (part.timeZoneName ?? 'GMT').replace(/^GMT/, '') || 'Z';
  const ms = String(date.getUTCMilliseconds()).padStart(3, '0');
  return `${part.year}-${part.month}-${part.day}T${part.hour}:${part.minute}:${part.second}.${ms}${offset}`;
}
