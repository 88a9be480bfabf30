// Node SDK smoke test: the device connection string and the service connection string exactly as Gatehouse
// printed them; the development CA from NODE_EXTRA_CA_CERTS. Exits 0 when telemetry went out, the registry
// answered and a C2D message sent by the service reached the device.
'use strict';
const { Client: DeviceClient, Message } = require('azure-iot-device');
const { Mqtt } = require('azure-iot-device-mqtt');
const { Client: ServiceClient, Registry } = require('azure-iothub');

const [deviceConnectionString, serviceConnectionString] = process.argv.slice(2);
const deviceId = /DeviceId=([^;]+)/.exec(deviceConnectionString)[1];
const fail = (step, err) => { console.error(`FAILED at ${step}: ${err && err.message ? err.message : err}`); process.exit(1); };
setTimeout(() => fail('timeout', 'no C2D message within 60 s'), 60000).unref();

(async () => {
  const device = DeviceClient.fromConnectionString(deviceConnectionString, Mqtt);
  const received = new Promise((resolve) => device.on('message', (msg) => {
    device.complete(msg, () => resolve(msg.data.toString()));
  }));
  await device.open().catch((e) => fail('device open', e));
  await device.sendEvent(new Message(JSON.stringify({ from: 'node' }))).catch((e) => fail('telemetry', e));
  console.log('telemetry sent');

  const registry = Registry.fromConnectionString(serviceConnectionString);
  const got = await registry.get(deviceId).catch((e) => fail('registry get', e));
  console.log(`registry: ${got.responseBody.deviceId} ${got.responseBody.connectionState}`);

  const service = ServiceClient.fromConnectionString(serviceConnectionString);
  await service.open().catch((e) => fail('service open', e));
  await service.send(deviceId, new Message('node-c2d')).catch((e) => fail('c2d send', e));
  console.log(`c2d received: ${await received}`);
  await service.close();
  await device.close();
  process.exit(0);
})().catch((e) => fail('unexpected', e));
