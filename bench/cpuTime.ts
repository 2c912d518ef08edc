/** CPU time (user + system) a process has used, from /proc/<pid>/stat (Linux), in ms. */
import { readFileSync } from 'node:fs';

// USER_HZ is 100 on every Linux the bench targets; /proc reports in these ticks.
const TICK_MS = 10;

export function readCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name, which may itself hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return NaN;
  }
}
