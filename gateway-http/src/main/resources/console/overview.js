// Overview: live charts of what /metrics says, scraped every two seconds; counters are shown as rates.
import { call } from './api.js';
import { LineChart, format } from './charts.js';
import { h } from './dom.js';
import { parse, Rates, value } from './metrics.js';

const INTERVAL_MILLIS = 2000;
/** Points per chart: 90 seconds. */
const POINTS = 45;
const OUTCOMES = ['completed', 'rejected', 'expired', 'delivery_count_exceeded', 'purged'];

export function mount(main) {
  const figures = {
    devices: h('strong', { id: 'figure-devices' }, '—'),
    connected: h('strong', { id: 'figure-connected' }, '—'),
    queued: h('strong', { id: 'figure-queued' }, '—'),
    d2c: h('strong', { id: 'figure-d2c' }, '—'),
    nodes: h('strong', { id: 'figure-nodes' }, '—'),
  };
  // only a node of a cluster publishes gatehouse_cluster_nodes: the card shows then
  const nodesCard = h('div', { class: 'card figure', hidden: true }, h('span', {}, 'Cluster nodes alive'), figures.nodes);
  const charts = {
    connections: new LineChart('Connections by protocol', '', [
      { key: 'mqtt', label: 'MQTT' }, { key: 'amqp', label: 'AMQP' }], POINTS),
    d2c: new LineChart('Device-to-cloud', '/s', [
      { key: 'appended', label: 'stored' }, { key: 'refused', label: 'refused' }], POINTS),
    c2d: new LineChart('Cloud-to-device', '/s', [
      { key: 'enqueued', label: 'sent' }, { key: 'delivered', label: 'delivered' },
      { key: 'feedback', label: 'feedback sent' }], POINTS),
    queues: new LineChart('Queue depths', '', [
      { key: 'c2d', label: 'C2D queued' }, { key: 'feedback', label: 'feedback queued' }], POINTS),
    outcomes: new LineChart('C2D lifecycle outcomes', '/s', [
      ...OUTCOMES.map((o) => ({ key: o, label: o.replaceAll('_', ' ') })),
      { key: 'abandoned', label: 'abandoned' }], POINTS),
    commits: new LineChart('Store commit latency', ' ms', [
      { key: 'stateP50', label: 'state p50' }, { key: 'stateP99', label: 'state p99' },
      { key: 'eventP99', label: 'D2C event p99' }], POINTS),
    fsyncs: new LineChart('Store fsyncs', '/s', [{ key: 'fsyncs', label: 'fsyncs' }], POINTS),
  };
  Object.entries(charts).forEach(([key, chart]) => { chart.element.id = `chart-${key}`; });
  const status = h('p', { class: 'muted', 'aria-live': 'polite' }, 'Loading metrics…');
  main.append(
    h('h1', {}, 'Overview'),
    h('section', { class: 'figures', 'aria-label': 'Now' },
      h('div', { class: 'card figure' }, h('span', {}, 'Devices'), figures.devices),
      h('div', { class: 'card figure' }, h('span', {}, 'Connected'), figures.connected),
      h('div', { class: 'card figure' }, h('span', {}, 'C2D queued'), figures.queued),
      h('div', { class: 'card figure' }, h('span', {}, 'D2C stored'), figures.d2c),
      nodesCard),
    h('section', { class: 'charts', 'aria-label': 'Charts' }, Object.values(charts).map((c) => c.element)),
    status);

  const rates = new Rates();
  let timer;
  let stopped = false;

  async function scrape() {
    try {
      const samples = parse(await (await call('GET', '/metrics')).text());
      const rate = rates.next(samples, performance.now());
      const gauge = (name, labels) => value(samples, name, labels);
      figures.devices.textContent = format(gauge('gatehouse_devices') ?? 0);
      figures.connected.textContent = format(gauge('gatehouse_connections') ?? 0);
      figures.queued.textContent = format(gauge('gatehouse_c2d_queued') ?? 0);
      figures.d2c.textContent = format(gauge('gatehouse_d2c_appended_total') ?? 0);
      const nodes = gauge('gatehouse_cluster_nodes');
      if (nodes !== null) {
        nodesCard.hidden = false;
        figures.nodes.textContent = `${format(nodes)} · ${format(gauge('gatehouse_cluster_devices_owned') ?? 0)} devices here`;
      }
      charts.connections.push({
        mqtt: gauge('gatehouse_connections_protocol', { protocol: 'mqtt' }),
        amqp: gauge('gatehouse_connections_protocol', { protocol: 'amqp' }),
      });
      charts.d2c.push({ appended: rate('gatehouse_d2c_appended_total'), refused: rate('gatehouse_d2c_refused_total') });
      charts.c2d.push({
        enqueued: rate('gatehouse_c2d_enqueued_total'),
        delivered: rate('gatehouse_c2d_delivered_total'),
        feedback: rate('gatehouse_feedback_enqueued_total'),
      });
      charts.queues.push({ c2d: gauge('gatehouse_c2d_queued'), feedback: gauge('gatehouse_feedback_queued') });
      const outcomes = { abandoned: rate('gatehouse_c2d_abandoned_total') };
      OUTCOMES.forEach((o) => { outcomes[o] = rate('gatehouse_c2d_ended_total', { outcome: o }); });
      charts.outcomes.push(outcomes);
      const millis = (kind, quantile) => {
        const seconds = gauge('gatehouse_store_commit_seconds', { kind, quantile });
        return seconds === null ? null : seconds * 1000;
      };
      charts.commits.push({
        stateP50: millis('state', '0.5'), stateP99: millis('state', '0.99'), eventP99: millis('event', '0.99'),
      });
      charts.fsyncs.push({ fsyncs: rate('gatehouse_store_fsyncs_total') });
      status.textContent = `Updated ${new Date().toLocaleTimeString()} · the last ${POINTS * INTERVAL_MILLIS / 1000} s, `
        + `a point every ${INTERVAL_MILLIS / 1000} s from /metrics`;
    } catch (e) {
      status.textContent = `Metrics unavailable: ${e.message}`;
    }
    if (!stopped) timer = setTimeout(scrape, INTERVAL_MILLIS);
  }
  scrape();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
