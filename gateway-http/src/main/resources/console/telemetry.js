// Live telemetry: D2C events of one device or all as server-sent events from /gatehouse/events/stream.
import { formatTime, h } from './dom.js';
import * as session from './session.js';

const MAX_ROWS = 200;

export function telemetrySection(device, cleanups) {
  const toggle = h('button', { type: 'button', id: 'telemetry-toggle' }, 'Start');
  const state = h('span', { id: 'telemetry-state', class: 'pill off', 'aria-live': 'polite' }, 'stopped');
  const rows = h('tbody');
  let source = null;

  function setState(text, kind) {
    state.textContent = text;
    state.className = `pill ${kind}`;
  }
  function stop() {
    source?.close();
    source = null;
    toggle.textContent = 'Start';
    setState('stopped', 'off');
  }
  function start() {
    const query = new URLSearchParams({ sas: session.current()?.token || '' });
    if (device.value) query.set('deviceId', device.value);
    // EventSource cannot send an Authorization header: this route alone takes the token as a query parameter
    source = new EventSource(`/gatehouse/events/stream?${query}`);
    toggle.textContent = 'Stop';
    setState('connecting', 'wait');
    source.addEventListener('ready', () => setState('live', 'ok'));
    source.addEventListener('telemetry', (message) => {
      rows.prepend(telemetryRow(JSON.parse(message.data)));
      while (rows.children.length > MAX_ROWS) rows.lastChild.remove();
    });
    source.addEventListener('error', () => {
      if (source?.readyState === EventSource.CLOSED) {
        setState('refused', 'bad');
      } else {
        setState('reconnecting', 'wait');
      }
    });
  }
  toggle.addEventListener('click', () => (source ? stop() : start()));
  device.addEventListener('change', () => {
    if (source) {
      stop();
      start();
    }
  });
  cleanups.push(stop);

  return h('section', { class: 'card' },
    h('h2', {}, 'Live telemetry'),
    h('div', { class: 'toolbar' }, h('label', { for: 'telemetry-device' }, 'Device'), device, toggle, state),
    h('div', { class: 'table-wrap tall' }, h('table', { id: 'telemetry-table' },
      h('thead', {}, h('tr', {}, ['Enqueued', 'Device', 'Body', 'Properties'].map((t) => h('th', { scope: 'col' }, t)))),
      rows)));
}

function telemetryRow(event) {
  const properties = [
    ...Object.entries(event.properties).map(([k, v]) => h('span', { class: 'chip' }, `${k}=${v}`)),
    ...Object.entries(event.systemProperties).map(([k, v]) => h('span', { class: 'chip system' }, `${k}=${v}`)),
  ];
  return h('tr', {},
    h('td', {}, formatTime(event.enqueuedTime)),
    h('td', {}, event.deviceId),
    h('td', { class: 'body' }, event.body ?? `base64:${event.bodyBase64}`),
    h('td', {}, properties.length ? properties : '—'));
}
