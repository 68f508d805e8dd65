/**
 * Reads a running pipeline's HTTP endpoints ([http] listen): /metrics parsed into samples,
 * /readyz and /status as they answer.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export async function scrape(port: number): Promise<Sample[]> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return parseSamples(await res.text());
}

export function parseSamples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]!.toLowerCase() === 'nan' ? NaN : m[3]) });
  }
  return out;
}

/** The value of the one sample of `name` whose labels include `labels`; undefined when none. */
export function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

export async function readyz(port: number): Promise<{ status: number; state: string }> {
  const res = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { status: res.status, state: (await res.text()).trim() };
}

export async function status(port: number): Promise<Record<string, unknown>> {
  const res = await fetch(`http://127.0.0.1:${port}/status`);
  return (await res.json()) as Record<string, unknown>;
}

/** Polls /readyz until `stop()` is called; the distinct states in the order first seen. */
export function watchReadiness(port: number, everyMs = 50): { states: string[]; stop(): Promise<void> } {
  const states: string[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const { status: code, state } = await readyz(port);
        const entry = `${code} ${state}`;
        if (states.at(-1) !== entry) states.push(entry);
      } catch {
        // Not listening yet, or already closed.
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    states,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}
