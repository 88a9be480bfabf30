// A small SVG line chart: one figure, a line per series, the newest point on the right.

const NS = 'http://www.w3.org/2000/svg';
const WIDTH = 600;
const HEIGHT = 150;

export class LineChart {
  /**
   * @param title what the chart shows
   * @param unit appended to values ("/s", " ms")
   * @param series [{key, label}]
   */
  constructor(title, unit, series, capacity = 60) {
    this.title = title;
    this.unit = unit;
    this.series = series;
    this.capacity = capacity;
    this.points = series.map(() => []);
    this.svg = document.createElementNS(NS, 'svg');
    this.svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
    this.svg.setAttribute('preserveAspectRatio', 'none');
    this.svg.setAttribute('role', 'img');
    this.lines = series.map((s, i) => {
      const line = document.createElementNS(NS, 'polyline');
      line.setAttribute('class', `line s${i}`);
      this.svg.append(line);
      return line;
    });
    this.top = document.createElement('span');
    this.top.className = 'axis top';
    this.legend = document.createElement('ul');
    this.legend.className = 'legend';
    this.legendValues = series.map((s, i) => {
      const valueElement = document.createElement('strong');
      const item = document.createElement('li');
      const swatch = document.createElement('span');
      swatch.className = `swatch s${i}`;
      item.append(swatch, `${s.label} `, valueElement);
      this.legend.append(item);
      return valueElement;
    });
    this.element = document.createElement('figure');
    this.element.className = 'chart card';
    const caption = document.createElement('figcaption');
    caption.textContent = title;
    const plot = document.createElement('div');
    plot.className = 'plot';
    const bottom = document.createElement('span');
    bottom.className = 'axis bottom';
    bottom.textContent = '0';
    plot.append(this.svg, this.top, bottom);
    this.element.append(caption, plot, this.legend);
  }

  /** Adds one point per series ({key: number|null}; null leaves a gap in the values shown). */
  push(values) {
    this.series.forEach((s, i) => {
      const points = this.points[i];
      points.push(values[s.key] ?? null);
      if (points.length > this.capacity) points.shift();
    });
    this.render();
  }

  render() {
    const all = this.points.flat().filter((v) => v !== null);
    const max = niceCeiling(Math.max(0, ...all));
    this.top.textContent = format(max, this.unit);
    const step = WIDTH / (this.capacity - 1);
    this.points.forEach((points, i) => {
      const offset = this.capacity - points.length;
      const coordinates = points
        .map((v, j) => (v === null ? null : `${((offset + j) * step).toFixed(1)},${(HEIGHT - 2 - (v / max) * (HEIGHT - 4)).toFixed(1)}`))
        .filter((c) => c !== null);
      this.lines[i].setAttribute('points', coordinates.join(' '));
      const latest = points.length ? points[points.length - 1] : null;
      this.legendValues[i].textContent = latest === null ? '—' : format(latest, this.unit);
    });
    const summary = this.series.map((s, i) => `${s.label} ${this.legendValues[i].textContent}`).join(', ');
    this.svg.setAttribute('aria-label', `${this.title}: ${summary}`);
  }
}

function niceCeiling(value) {
  if (value <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) {
    if (value <= step * magnitude) return step * magnitude;
  }
  return 10 * magnitude;
}

export function format(value, unit = '') {
  const digits = value !== 0 && Math.abs(value) < 10 && !Number.isInteger(value) ? 2 : 0;
  return `${value.toLocaleString(undefined, { maximumFractionDigits: digits })}${unit}`;
}
