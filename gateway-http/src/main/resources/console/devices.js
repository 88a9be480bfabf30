// Devices: the registry joined with connection and queue figures, refreshed every few seconds; create,
// enable or disable, delete, copy a connection string.
import { call, getJson } from './api.js';
import { copy, formatTime, h, toast } from './dom.js';
import { deviceConnectionString, connectionInfo } from './connection.js';

const REFRESH_MILLIS = 3000;

export function mount(main) {
  const search = h('input', { type: 'search', id: 'device-search', placeholder: 'Search by device id',
    'aria-label': 'Search devices' });
  const newId = h('input', { id: 'new-device-id', required: true,
    placeholder: 'new-device-id', 'aria-label': 'New device id' });
  const createForm = h('form', { class: 'inline', onSubmit: create },
    newId, h('button', { type: 'submit', id: 'create-device' }, 'Create device'));
  const rows = h('tbody');
  const summary = h('p', { class: 'muted', 'aria-live': 'polite' }, 'Loading devices…');
  main.append(
    h('h1', {}, 'Devices'),
    h('div', { class: 'toolbar' }, search, createForm),
    h('div', { class: 'card table-wrap' },
      h('table', { id: 'devices-table' },
        h('thead', {}, h('tr', {},
          ['Device', 'Status', 'Connection', 'Protocol', 'Queue depth', 'Enqueued', 'Locked', 'Last activity', '']
            .map((t) => h('th', { scope: 'col' }, t)))),
        rows)),
    summary);

  let devices = [];
  let statistics = { queues: {}, connections: {} };
  search.addEventListener('input', render);

  async function refresh() {
    try {
      [devices, statistics] = await Promise.all([getJson('/devices?top=1000'), getJson('/gatehouse/statistics')]);
      render();
    } catch (e) {
      summary.textContent = `Cannot list devices: ${e.message}`;
    }
  }

  function render() {
    const term = search.value.trim().toLowerCase();
    const shown = devices.filter((d) => d.deviceId.toLowerCase().includes(term))
      .sort((a, b) => a.deviceId.localeCompare(b.deviceId));
    rows.replaceChildren(...shown.map(row));
    const connected = devices.filter((d) => d.connectionState === 'Connected').length;
    summary.textContent = `${shown.length} of ${devices.length} devices shown · ${connected} connected`;
  }

  function row(device) {
    const queue = statistics.queues[device.deviceId] || {};
    const connected = device.connectionState === 'Connected';
    const enabled = device.status === 'enabled';
    return h('tr', { 'data-device': device.deviceId },
      h('th', { scope: 'row' }, device.deviceId),
      h('td', {}, h('span', { class: `pill ${enabled ? 'ok' : 'off'}` }, device.status)),
      h('td', { class: 'connection' },
        h('span', { class: `dot ${connected ? 'ok' : 'off'}`, 'aria-hidden': 'true' }), device.connectionState),
      h('td', { class: 'protocol' }, statistics.connections[device.deviceId]?.toUpperCase() || '—'),
      h('td', { class: 'num depth' }, String(queue.depth ?? device.cloudToDeviceMessageCount ?? 0)),
      h('td', { class: 'num' }, String(queue.enqueued ?? 0)),
      h('td', { class: 'num' }, String(queue.locked ?? 0)),
      h('td', {}, formatTime(device.lastActivityTime)),
      h('td', { class: 'actions' },
        h('button', { type: 'button', class: 'quiet', 'aria-label': `Copy connection string of ${device.deviceId}`,
          onClick: () => copyConnectionString(device) }, 'Copy connection string'),
        h('button', { type: 'button', class: 'quiet', 'aria-label': `${enabled ? 'Disable' : 'Enable'} ${device.deviceId}`,
          onClick: () => setStatus(device, enabled ? 'disabled' : 'enabled') }, enabled ? 'Disable' : 'Enable'),
        h('button', { type: 'button', class: 'quiet danger', 'aria-label': `Delete ${device.deviceId}`,
          onClick: () => remove(device) }, 'Delete')));
  }

  async function create(event) {
    event.preventDefault();
    const id = newId.value.trim();
    try {
      await call('PUT', `/devices/${encodeURIComponent(id)}`, { json: { deviceId: id } });
      newId.value = '';
      toast(`Device ${id} created`);
      refresh();
    } catch (e) {
      toast(`Cannot create ${id}: ${e.message}`, 'error');
    }
  }

  async function setStatus(device, status) {
    try {
      await call('PUT', `/devices/${encodeURIComponent(device.deviceId)}`,
        { json: { deviceId: device.deviceId, status }, headers: { 'If-Match': `"${device.etag}"` } });
      toast(`Device ${device.deviceId} ${status}`);
      refresh();
    } catch (e) {
      toast(`Cannot change ${device.deviceId}: ${e.message}`, 'error');
    }
  }

  async function remove(device) {
    if (!confirm(`Delete device ${device.deviceId}? Its queued messages are purged.`)) return;
    try {
      await call('DELETE', `/devices/${encodeURIComponent(device.deviceId)}`);
      toast(`Device ${device.deviceId} deleted`);
      refresh();
    } catch (e) {
      toast(`Cannot delete ${device.deviceId}: ${e.message}`, 'error');
    }
  }

  async function copyConnectionString(device) {
    try {
      copy(deviceConnectionString((await connectionInfo()).hostName, device), `Connection string of ${device.deviceId}`);
    } catch (e) {
      toast(`Cannot build the connection string: ${e.message}`, 'error');
    }
  }

  refresh();
  const timer = setInterval(refresh, REFRESH_MILLIS);
  return () => clearInterval(timer);
}
