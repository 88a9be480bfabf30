// Prometheus text format (what /metrics serves) to samples, and counters to rates between two scrapes.

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parse(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) continue;
    const labels = {};
    for (const [, name, value] of (match[2] || '').matchAll(LABEL)) labels[name] = value;
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of the samples named {@code name} whose labels include {@code labels}; null when there are none. */
export function value(samples, name, labels = {}) {
  let sum = null;
  for (const sample of samples) {
    if (sample.name !== name) continue;
    if (Object.entries(labels).some(([k, v]) => sample.labels[k] !== v)) continue;
    sum = (sum ?? 0) + sample.value;
  }
  return sum;
}

/** Remembers the last scrape so counters can be shown as per-second rates. */
export class Rates {
  constructor() {
    this.previous = null;
  }

  /** Starts a new scrape; returns a function from (name, labels) to the rate since the previous one. */
  next(samples, time) {
    const previous = this.previous;
    this.previous = { samples, time };
    return (name, labels) => {
      if (!previous) return null;
      const now = value(samples, name, labels);
      const before = value(previous.samples, name, labels);
      if (now === null || before === null) return null;
      const seconds = (time - previous.time) / 1000;
      return seconds > 0 ? Math.max(0, now - before) / seconds : null;
    };
  }
}
