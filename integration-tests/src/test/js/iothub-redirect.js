// The path of Microsoft's "IoT Hub connection string to Event Hubs connection string" samples, against Gatehouse:
// sign in to the IoT Hub host with the service policy (SASL PLAIN {policy}@sas.root.{hub}), attach a receiver to
// messages/events/$management, read the amqp:link:redirect, build the Event Hubs connection string from it, and
// read with it. Environment: GATEHOUSE_SERVICE_CONNECTION_STRING (HostName=...;SharedAccessKeyName=...;
// SharedAccessKey=...), GATEHOUSE_AMQPS_PORT (default 5671), NODE_EXTRA_CA_CERTS (the gateway's ca.pem).
const crypto = require("crypto");
const { Connection, ReceiverEvents, parseConnectionString } = require("rhea-promise");
const { EventHubConsumerClient } = require("@azure/event-hubs");

// IoT convention: HMAC-SHA256 keyed with the base64-decoded key over the encoded resource, newline, expiry
function iotHubToken(resource, key, policy, seconds) {
  const sr = encodeURIComponent(resource);
  const se = Math.ceil(Date.now() / 1000) + seconds;
  const sig = crypto.createHmac("sha256", Buffer.from(key, "base64")).update(`${sr}\n${se}`).digest("base64");
  return `SharedAccessSignature sr=${sr}&sig=${encodeURIComponent(sig)}&se=${se}&skn=${policy}`;
}

async function eventHubsConnectionString(iotHubConnectionString, port) {
  const { HostName, SharedAccessKeyName, SharedAccessKey } = parseConnectionString(iotHubConnectionString);
  const hubName = HostName.split(".")[0];
  const connection = new Connection({
    transport: "tls", host: HostName, hostname: HostName, port, reconnect: false,
    username: `${SharedAccessKeyName}@sas.root.${hubName}`,
    password: iotHubToken(`${HostName}/messages/events`, SharedAccessKey, SharedAccessKeyName, 300),
  });
  await connection.open();
  const receiver = await connection.createReceiver({ source: { address: `amqps://${HostName}/messages/events/$management` } });
  return new Promise((resolve, reject) => {
    receiver.on(ReceiverEvents.receiverError, (context) => {
      const error = context.receiver && context.receiver.error;
      connection.close().catch(() => {});
      const match = error && error.info && /:\d+\/(.*)\/\$management/i.exec(error.info.address);
      if (error && error.condition === "amqp:link:redirect" && match) {
        resolve({
          connectionString: `Endpoint=sb://${error.info.hostname}/;EntityPath=${match[1]};`
            + `SharedAccessKeyName=${SharedAccessKeyName};SharedAccessKey=${SharedAccessKey}`,
          port: error.info.port,
        });
      } else {
        reject(error || new Error("no redirect"));
      }
    });
  });
}

async function main() {
  const port = Number(process.env.GATEHOUSE_AMQPS_PORT || "5671");
  const redirect = await eventHubsConnectionString(process.env.GATEHOUSE_SERVICE_CONNECTION_STRING, port);
  console.log(`redirected to ${redirect.connectionString.replace(/SharedAccessKey=[^;]*/, "SharedAccessKey=...")} port ${redirect.port}`);
  const client = new EventHubConsumerClient("$Default", redirect.connectionString,
    { customEndpointAddress: `https://localhost:${redirect.port}` });
  const properties = await client.getEventHubProperties();
  console.log(`event hub ${properties.name}, partitions ${properties.partitionIds.join(",")}`);
  await client.close();
}

main().catch((error) => {
  console.error("failed:", error);
  process.exit(1);
});
