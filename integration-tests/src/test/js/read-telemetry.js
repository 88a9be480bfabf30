// Reads telemetry from a running Gatehouse with the official @azure/event-hubs SDK, as a back end would.
//   GATEHOUSE_EVENTHUB_CONNECTION_STRING  the "Event Hub-compatible" line of the start banner
//   GATEHOUSE_AMQPS_PORT                   optional: the AMQPS port when it is not 5671
//   NODE_EXTRA_CA_CERTS                    the gateway's ca.pem (the banner's "CA certificate to trust")
// Prints one line per event and exits after EXPECTED events (default 1) or 30 s.
const { EventHubConsumerClient, earliestEventPosition } = require("@azure/event-hubs");

async function main() {
  const connectionString = process.env.GATEHOUSE_EVENTHUB_CONNECTION_STRING;
  const port = process.env.GATEHOUSE_AMQPS_PORT;
  const expected = Number(process.env.EXPECTED || "1");
  const options = port ? { customEndpointAddress: `https://localhost:${port}` } : {};
  const client = new EventHubConsumerClient("$Default", connectionString, options);
  const properties = await client.getEventHubProperties();
  console.log(`event hub ${properties.name}, partitions ${properties.partitionIds.join(",")}`);
  let received = 0;
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${received} of ${expected} events within 30 s`)), 30000);
    const subscription = client.subscribe(
      {
        processEvents: async (events, context) => {
          for (const event of events) {
            const device = event.systemProperties["iothub-connection-device-id"];
            console.log(`partition ${context.partitionId} #${event.sequenceNumber} from ${device}: ${JSON.stringify(event.body)}`);
            if (++received >= expected) {
              clearTimeout(timer);
              subscription.close().then(resolve, reject);
            }
          }
        },
        processError: async (err) => reject(err),
      },
      { startPosition: earliestEventPosition },
    );
  });
  await client.close();
}

main().catch((error) => {
  console.error("failed:", error);
  process.exit(1);
});
