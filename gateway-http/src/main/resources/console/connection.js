// Connection: host and ports, the service and Event Hub-compatible connection strings (the key filled in here,
// from a field that is never stored or sent), device connection strings, and the CA certificate.
import { getJson } from './api.js';
import { copy, h } from './dom.js';

let cached;

/** GET /gatehouse/connection-info, asked once per page load. */
export function connectionInfo() {
  cached = cached || getJson('/gatehouse/connection-info').catch((e) => {
    cached = null;
    throw e;
  });
  return cached;
}

export function deviceConnectionString(hostName, device) {
  return `HostName=${hostName};DeviceId=${device.deviceId};SharedAccessKey=${device.authentication.symmetricKey.primaryKey}`;
}

export function mount(main) {
  main.append(h('h1', {}, 'Connection'));
  const body = h('div', { class: 'stack' }, h('p', { class: 'muted' }, 'Loading…'));
  main.append(body);
  load(body);
  return () => {};
}

async function load(body) {
  let info;
  let devices;
  try {
    [info, devices] = await Promise.all([connectionInfo(), getJson('/devices?top=1000')]);
  } catch (e) {
    body.replaceChildren(h('p', { class: 'error' }, `Cannot load the connection details: ${e.message}`));
    return;
  }
  const key = h('input', { type: 'password', id: 'policy-key', autocomplete: 'off',
    placeholder: `key of ${info.policyName}` });
  const service = secret('Service connection string', 'service-cs', info.serviceConnectionString, info, key);
  const eventHub = secret('Event Hub-compatible connection string', 'event-hub-cs', info.eventHubConnectionString, info, key);

  const deviceSelect = h('select', { id: 'cs-device', 'aria-label': 'Device' },
    devices.map((d) => h('option', { value: d.deviceId }, d.deviceId)));
  const deviceString = h('code', { id: 'device-cs', class: 'cs' });
  const showDevice = () => {
    const device = devices.find((d) => d.deviceId === deviceSelect.value);
    deviceString.textContent = device ? deviceConnectionString(info.hostName, device) : 'no devices yet';
  };
  deviceSelect.addEventListener('change', showDevice);
  showDevice();

  const caPem = h('pre', { class: 'pem', id: 'ca-pem' }, 'Loading…');
  fetch(info.caCertificate).then((r) => r.text()).then((pem) => { caPem.textContent = pem; });

  body.replaceChildren(
    h('section', { class: 'card' },
      h('h2', {}, 'Hub'),
      h('dl', { class: 'pairs' },
        h('dt', {}, 'Host name'), h('dd', { id: 'host-name' }, info.hostName),
        h('dt', {}, 'Hub name'), h('dd', {}, info.hubName),
        ...Object.entries(info.ports).flatMap(([name, port]) => [h('dt', {}, `${name} port`), h('dd', {}, String(port))]))),
    h('section', { class: 'card' },
      h('h2', {}, 'Service'),
      h('p', { class: 'muted' }, `These strings name your policy (${info.policyName}). The gateway never sends a key: type it `
        + 'here to fill it in. It stays in this page and is not stored.'),
      h('label', { for: 'policy-key' }, 'Policy key '), key,
      service, eventHub),
    h('section', { class: 'card' },
      h('h2', {}, 'Devices'),
      h('label', { for: 'cs-device' }, 'Device '), deviceSelect,
      h('div', { class: 'cs-row' }, deviceString,
        h('button', { type: 'button', class: 'quiet', onClick: () => copy(deviceString.textContent, 'Device connection string') },
          'Copy'))),
    h('section', { class: 'card' },
      h('h2', {}, 'Certificate'),
      h('p', {}, 'Clients trust this certificate to verify the gateway\u2019s TLS listeners. ',
        h('a', { href: info.caCertificate, download: 'gatehouse-ca.pem', id: 'download-ca' }, 'Download gatehouse-ca.pem')),
      caPem));
}

function secret(label, id, template, info, keyInput) {
  const code = h('code', { id, class: 'cs' });
  const show = () => {
    code.textContent = keyInput.value ? template.replace(info.keyPlaceholder, keyInput.value.trim()) : template;
  };
  keyInput.addEventListener('input', show);
  show();
  return h('div', {}, h('h3', {}, label),
    h('div', { class: 'cs-row' }, code,
      h('button', { type: 'button', class: 'quiet', onClick: () => copy(code.textContent, label) }, 'Copy')));
}
