// Messages: send cloud-to-device messages and watch their feedback; live telemetry; purge a device's queue.
import { call, getJson } from './api.js';
import { formatTime, h, toast } from './dom.js';
import { telemetrySection } from './telemetry.js';

const FEEDBACK_WAIT_SECONDS = 20;

export function mount(main) {
  const cleanups = [];
  const deviceLists = [];
  const deviceSelect = (id, withAll) => {
    const select = h('select', { id }, withAll ? h('option', { value: '' }, 'All devices') : null);
    deviceLists.push({ select, withAll });
    return select;
  };
  main.append(h('h1', {}, 'Messages'),
    h('div', { class: 'columns' },
      sendSection(deviceSelect('c2d-device', false), cleanups),
      h('div', { class: 'stack' },
        telemetrySection(deviceSelect('telemetry-device', true), cleanups),
        purgeSection(deviceSelect('purge-device', false)))));

  getJson('/devices?top=1000').then((devices) => {
    const ids = devices.map((d) => d.deviceId).sort();
    for (const { select, withAll } of deviceLists) {
      select.append(...ids.map((id) => h('option', { value: id }, id)));
      if (!withAll && ids.length === 0) select.append(h('option', { value: '' }, 'no devices yet'));
    }
  }).catch((e) => toast(`Cannot list devices: ${e.message}`, 'error'));

  return () => cleanups.forEach((cleanup) => cleanup());
}

function sendSection(device, cleanups) {
  const body = h('textarea', { id: 'c2d-body', rows: 3, placeholder: 'reboot' });
  const properties = h('textarea', { id: 'c2d-properties', rows: 2, placeholder: 'priority=high' });
  const ack = h('select', { id: 'c2d-ack' }, ['full', 'positive', 'negative', 'none'].map((m) => h('option', { value: m }, m)));
  const expiry = h('input', { id: 'c2d-expiry', type: 'number', min: 1, placeholder: 'none' });
  const watch = h('input', { id: 'watch-feedback', type: 'checkbox' });
  const sent = h('tbody');
  const feedbackLog = h('ol', { id: 'feedback-log', class: 'log', 'aria-live': 'polite' });
  const sentById = new Map();
  const watcher = feedbackWatcher((feedback) => {
    for (const record of feedback.records) {
      const row = sentById.get(record.originalMessageId);
      if (row) row.querySelector('.feedback').textContent = record.statusCode;
      feedbackLog.prepend(h('li', {}, h('time', {}, formatTime(record.enqueuedTimeUtc)), ' ',
        h('strong', {}, record.statusCode), ` ${record.deviceId} · ${record.originalMessageId}`,
        record.description && record.description !== record.statusCode ? ` · ${record.description}` : ''));
    }
  });
  cleanups.push(() => watcher.stop());
  watch.addEventListener('change', () => (watch.checked ? watcher.start() : watcher.stop()));

  async function send(event) {
    event.preventDefault();
    const headers = { 'Content-Type': 'text/plain; charset=utf-8', 'iothub-ack': ack.value };
    if (expiry.value) headers['iothub-expiry'] = new Date(Date.now() + expiry.value * 1000).toISOString();
    try {
      for (const [name, value] of parseProperties(properties.value)) headers[`iothub-app-${name}`] = value;
      const { messageId } = await (await call('POST', `/gatehouse/devices/${encodeURIComponent(device.value)}/messages`,
        { body: body.value, headers })).json();
      const row = h('tr', { 'data-message': messageId }, h('td', {}, h('code', {}, messageId)), h('td', {}, device.value),
        h('td', {}, ack.value), h('td', { class: 'feedback' }, ack.value === 'none' ? 'no feedback asked' : 'awaiting feedback'));
      sentById.set(messageId, row);
      sent.prepend(row);
      toast(`Message ${messageId} sent to ${device.value}`);
      if (ack.value !== 'none' && !watch.checked) {
        watch.checked = true;
        watcher.start();
      }
    } catch (e) {
      toast(`Not sent: ${e.message}`, 'error');
    }
  }

  return h('section', { class: 'card' },
    h('h2', {}, 'Send a cloud-to-device message'),
    h('form', { class: 'grid-form', id: 'c2d-form', onSubmit: send },
      h('label', { for: 'c2d-device' }, 'Device'), device,
      h('label', { for: 'c2d-body' }, 'Body'), body,
      h('label', { for: 'c2d-properties' }, 'Properties', h('small', {}, 'name=value, one a line')), properties,
      h('label', { for: 'c2d-ack' }, 'Feedback (ack)'), ack,
      h('label', { for: 'c2d-expiry' }, 'Expires in (s)'), expiry,
      h('span'), h('button', { type: 'submit', id: 'c2d-send' }, 'Send')),
    h('div', { class: 'table-wrap' }, h('table', { id: 'sent-table' },
      h('thead', {}, h('tr', {}, ['Message id', 'Device', 'Ack', 'Feedback'].map((t) => h('th', { scope: 'col' }, t)))),
      sent)),
    h('h3', {}, 'Feedback'),
    h('label', { class: 'check' }, watch, ' Watch feedback',
      h('small', {}, ' takes feedback messages off the hub\u2019s feedback queue, as any service receiver does')),
    feedbackLog);
}

function parseProperties(text) {
  return text.split('\n').map((l) => l.trim()).filter((l) => l).map((line) => {
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`property "${line}" is not name=value`);
    return [line.slice(0, eq).trim(), line.slice(eq + 1).trim()];
  });
}

/** Long-polls GET /gatehouse/feedback while started; each answer goes to onFeedback. */
function feedbackWatcher(onFeedback) {
  let controller = null;
  async function loop(signal) {
    while (!signal.aborted) {
      try {
        const response = await call('GET', `/gatehouse/feedback?waitSeconds=${FEEDBACK_WAIT_SECONDS}`, { signal });
        if (response.status === 200) onFeedback(await response.json());
      } catch (e) {
        if (signal.aborted) return;
        toast(`Feedback: ${e.message}`, 'error');
        await new Promise((resolve) => setTimeout(resolve, 5000));
      }
    }
  }
  return {
    start() {
      if (controller) return;
      controller = new AbortController();
      loop(controller.signal);
    },
    stop() {
      controller?.abort();
      controller = null;
    },
  };
}

function purgeSection(device) {
  async function purge(event) {
    event.preventDefault();
    if (!device.value || !confirm(`Purge every queued message of ${device.value}?`)) return;
    try {
      const result = await (await call('DELETE', `/devices/${encodeURIComponent(device.value)}/commands`)).json();
      const count = result.totalMessagesPurged;
      toast(`Purged ${count} message${count === 1 ? '' : 's'} of ${result.deviceId}`);
    } catch (e) {
      toast(`Not purged: ${e.message}`, 'error');
    }
  }
  return h('section', { class: 'card' },
    h('h2', {}, 'Purge a queue'),
    h('form', { class: 'toolbar', onSubmit: purge },
      h('label', { for: 'purge-device' }, 'Device'), device,
      h('button', { type: 'submit', class: 'danger', id: 'purge' }, 'Purge queue')));
}
