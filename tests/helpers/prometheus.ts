import parsePrometheusTextFormat, { type PromFamily } from 'parse-prometheus-text-format';

/** A parsed `/metrics` scrape with lookups by family name and exact label values. */
export class Scrape {
  readonly families: Map<string, PromFamily>;

  constructor(readonly text: string) {
    this.families = new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]));
  }

  family(name: string): PromFamily {
    const family = this.families.get(name);
    if (family === undefined) throw new Error(`no metric family ${name} in the scrape`);
    return family;
  }

  /** A counter's or gauge's value for exactly these labels; 0 when the series does not exist yet. */
  value(name: string, labels: Record<string, string> = {}): number {
    const family = this.families.get(name);
    const sample = family?.metrics.find((m) => sameLabels(m.labels ?? {}, labels));
    return sample === undefined ? 0 : Number(sample.value);
  }

  /**
   * One labelled histogram series as cumulative buckets (`le` -> count). The parser folds all
   * series of a family into one bucket map, so the family is re-parsed with only the sample
   * lines of this series (those carrying every given label pair).
   */
  histogram(name: string, labels: Record<string, string>): Map<number, number> {
    const pairs = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
    const lines = this.text
      .split('\n')
      .filter(
        (line) =>
          line === `# TYPE ${name} histogram` ||
          line.startsWith(`# HELP ${name} `) ||
          (line.startsWith(`${name}_bucket{`) && pairs.every((p) => line.includes(p))),
      );
    const [family] = parsePrometheusTextFormat(`${lines.join('\n')}\n`);
    const buckets = family?.metrics[0]?.buckets ?? {};
    return new Map(
      Object.entries(buckets).map(([le, n]) => [le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), Number(n)]),
    );
  }
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(b);
  return keys.length === Object.keys(a).length && keys.every((k) => a[k] === b[k]);
}

export async function scrape(url: string, token?: string): Promise<Scrape> {
  const res = await fetch(`${url}/metrics`, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}: ${await res.text()}`);
  return new Scrape(await res.text());
}
