package io.gatehouse.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.azure.core.amqp.AmqpRetryOptions;
import com.azure.core.amqp.exception.AmqpErrorCondition;
import com.azure.core.amqp.exception.AmqpException;
import com.azure.messaging.eventhubs.EventData;
import com.azure.messaging.eventhubs.EventHubClientBuilder;
import com.azure.messaging.eventhubs.EventHubConsumerAsyncClient;
import com.azure.messaging.eventhubs.EventHubConsumerClient;
import com.azure.messaging.eventhubs.EventHubProperties;
import com.azure.messaging.eventhubs.EventProcessorClient;
import com.azure.messaging.eventhubs.PartitionProperties;
import com.azure.messaging.eventhubs.models.EventPosition;
import com.azure.messaging.eventhubs.models.LastEnqueuedEventProperties;
import com.azure.messaging.eventhubs.models.PartitionEvent;
import com.azure.messaging.eventhubs.models.ReceiveOptions;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import io.gatehouse.core.auth.SasTokens;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import javax.net.ssl.SSLContext;
import org.apache.qpid.protonj2.client.Client;
import org.apache.qpid.protonj2.client.Connection;
import org.apache.qpid.protonj2.client.ConnectionOptions;
import org.apache.qpid.protonj2.client.Receiver;
import org.apache.qpid.protonj2.client.exceptions.ClientLinkRemotelyClosedException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;

/**
 * Back ends reading telemetry with the official Event Hubs SDK for Java ({@code azure-messaging-eventhubs},
 * unmodified) from the packaged gateway's Event Hub-compatible endpoint, given the connection string its banner
 * prints (docs/event-hubs.md). Devices send over MQTT and AMQP on the plain listeners; the SDK reads over AMQPS on an
 * ephemeral port, trusting only the gateway's development CA.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EventHubsSdkIT {

    private static final int PARTITIONS = 4;
    private static final String KEY = "dGhpcyBpcyBhIGRldmljZSBrZXkgb2YgMzIgYnl0ZXM=";
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final AmqpRetryOptions RETRY = new AmqpRetryOptions().setMaxRetries(2).setTryTimeout(Duration.ofSeconds(20));

    /** One device per partition (ids chosen by their hash), and a partition that no device ever writes to. */
    private final Map<Integer, String> deviceOfPartition = new TreeMap<>();
    private int emptyPartition;
    private GatewayProcess gateway;
    private SSLContext previousDefault;
    private EventHubsEndpoint endpoint;
    private EventHubConsumerClient consumer;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeAll
    void startGateway(@TempDir Path dir) throws Exception {
        deviceOfPartition.putAll(EventHubsGatewayConfig.onePerPartition("sensor", PARTITIONS, PARTITIONS - 1));
        emptyPartition = IntStream.range(0, PARTITIONS).filter(p -> !deviceOfPartition.containsKey(p)).findFirst().orElseThrow();
        gateway = GatewayProcess.configured(dir.resolve("data"),
                EventHubsGatewayConfig.yaml(PARTITIONS, deviceOfPartition.values(), KEY)).start();
        previousDefault = EventHubsEndpoint.trustOnlyTheGatewayCa(gateway);
        endpoint = new EventHubsEndpoint(gateway);
        consumer = endpoint.client("$Default").retryOptions(RETRY).buildConsumerClient();
    }

    @AfterAll
    void stopGateway() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
        if (consumer != null) {
            consumer.close();
        }
        if (previousDefault != null) {
            SSLContext.setDefault(previousDefault);
        }
        if (gateway != null) {
            assertThat(gateway.stop()).isIn(0, 143);
        }
    }

    private Mqtt3AsyncClient mqtt(String deviceId) throws Exception {
        Mqtt3AsyncClient client = MqttDevices.client(gateway, deviceId, KEY);
        client.connect().get(10, TimeUnit.SECONDS);
        closeables.add(() -> client.disconnect().exceptionally(e -> null).join());
        return client;
    }

    /** Sends events {@code prefix-0..n-1} from the device of {@code partition} over MQTT, QoS 1 (stored when acknowledged). */
    private List<String> sendOverMqtt(int partition, String prefix, int n) throws Exception {
        Mqtt3AsyncClient client = mqtt(deviceOfPartition.get(partition));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = prefix + "-" + i;
            client.publishWith().topic("devices/" + deviceOfPartition.get(partition) + "/messages/events/$.mid=" + id)
                    .qos(MqttQos.AT_LEAST_ONCE).payload(id.getBytes(StandardCharsets.UTF_8)).send().get(10, TimeUnit.SECONDS);
            ids.add(id);
        }
        client.disconnect().get(10, TimeUnit.SECONDS);
        return ids;
    }

    private List<EventData> read(EventHubConsumerClient client, int partition, EventPosition position, int max) {
        List<EventData> events = new ArrayList<>();
        for (PartitionEvent e : client.receiveFromPartition(Integer.toString(partition), max, position, Duration.ofSeconds(3))) {
            events.add(e.getData());
        }
        return events;
    }

    private static List<String> ids(Collection<EventData> events) {
        return events.stream().map(EventData::getMessageId).toList();
    }

    // ------------------------------------------------------------------ properties

    @Test
    void eventHubAndPartitionPropertiesAsTheSdkParsesThem() throws Exception {
        EventHubProperties hub = consumer.getEventHubProperties();
        assertThat(hub.getName()).isEqualTo(endpoint.eventHubName()).isEqualTo("gatehouse");
        assertThat(hub.getPartitionIds()).containsExactly("0", "1", "2", "3");
        assertThat(hub.getCreatedAt()).isBefore(Instant.now());

        PartitionProperties empty = consumer.getPartitionProperties(Integer.toString(emptyPartition));
        assertThat(empty.isEmpty()).isTrue();
        assertThat(empty.getLastEnqueuedSequenceNumber()).isEqualTo(-1);
        assertThat(empty.getBeginningSequenceNumber()).isEqualTo(-1);
        assertThat(empty.getLastEnqueuedTime()).isEqualTo(Instant.EPOCH);
        assertThat(empty.getLastEnqueuedOffset()).isEqualTo("-1");
        assertThat(empty.getId()).isEqualTo(Integer.toString(emptyPartition));
        assertThat(empty.getEventHubName()).isEqualTo("gatehouse");

        int partition = deviceOfPartition.keySet().iterator().next();
        sendOverMqtt(partition, "props", 2);
        PartitionProperties written = consumer.getPartitionProperties(Integer.toString(partition));
        assertThat(written.isEmpty()).isFalse();
        List<EventData> all = read(consumer, partition, EventPosition.earliest(), 1000);
        EventData last = all.get(all.size() - 1);
        assertThat(last.getMessageId()).isEqualTo("props-1");
        assertThat(written.getLastEnqueuedSequenceNumber()).isEqualTo(last.getSequenceNumber());
        assertThat(written.getLastEnqueuedOffset()).isEqualTo(Long.toString(last.getOffset()));
        assertThat(written.getLastEnqueuedTime()).isEqualTo(last.getEnqueuedTime());
        assertThat(written.getBeginningSequenceNumber()).isEqualTo(all.get(0).getSequenceNumber());
    }

    // ------------------------------------------------------------------ what every event carries

    @Test
    void eventsFromMqttAndAmqpDevicesCarryIotHubsStamps() throws Exception {
        int mqttPartition = deviceOfPartition.keySet().stream().toList().get(0);
        int amqpPartition = deviceOfPartition.keySet().stream().toList().get(1);
        String mqttDevice = deviceOfPartition.get(mqttPartition);
        String amqpDevice = deviceOfPartition.get(amqpPartition);
        Instant before = Instant.now().minusSeconds(1);

        Mqtt3AsyncClient client = mqtt(mqttDevice);
        client.publishWith().topic("devices/" + mqttDevice
                        + "/messages/events/$.mid=stamp-mqtt&$.cid=corr-1&$.ct=application%2Fjson&$.ce=utf-8&color=red")
                .qos(MqttQos.AT_LEAST_ONCE).payload("{\"t\":21}".getBytes(StandardCharsets.UTF_8)).send().get(10, TimeUnit.SECONDS);
        try (AmqpDevice device = new AmqpDevice(gateway, amqpDevice, KEY)) {
            device.send("{\"t\":22}".getBytes(StandardCharsets.UTF_8), "stamp-amqp", "corr-2", "application/json", "utf-8",
                    Map.of("color", "blue"));
        }

        EventData fromMqtt = find(mqttPartition, before, "stamp-mqtt");
        EventData fromAmqp = find(amqpPartition, before, "stamp-amqp");
        for (EventData e : List.of(fromMqtt, fromAmqp)) {
            String device = e == fromMqtt ? mqttDevice : amqpDevice;
            Map<String, Object> system = e.getSystemProperties();
            assertThat(system.get("iothub-connection-device-id")).as(device).isEqualTo(device);
            assertThat((String) system.get("iothub-connection-auth-method")).contains("\"scope\":\"device\"", "\"type\":\"sas\"");
            assertThat((String) system.get("iothub-connection-auth-generation-id")).isNotBlank();
            assertThat(system.get("iothub-message-source")).isEqualTo("Telemetry");
            assertThat(system.get("iothub-enqueuedtime")).isNotNull();
            assertThat(e.getEnqueuedTime()).isAfter(before);
            assertThat(e.getSequenceNumber()).isNotNegative();
            assertThat(e.getOffset()).isNotNegative();
            assertThat(e.getContentType()).isEqualTo("application/json");
            assertThat(system.get("content-encoding")).isEqualTo("utf-8");
            assertThat(e.getPartitionKey()).isNull();
        }
        assertThat(fromMqtt.getCorrelationId()).isEqualTo("corr-1");
        assertThat(fromMqtt.getProperties()).containsEntry("color", "red");
        assertThat(fromMqtt.getBodyAsString()).isEqualTo("{\"t\":21}");
        assertThat(fromAmqp.getCorrelationId()).isEqualTo("corr-2");
        assertThat(fromAmqp.getProperties()).containsEntry("color", "blue");
        assertThat(fromAmqp.getBodyAsString()).isEqualTo("{\"t\":22}");
    }

    private EventData find(int partition, Instant after, String messageId) {
        return read(consumer, partition, EventPosition.fromEnqueuedTime(after), 1000).stream()
                .filter(e -> messageId.equals(e.getMessageId())).findFirst()
                .orElseThrow(() -> new AssertionError(messageId + " not read from partition " + partition));
    }

    // ------------------------------------------------------------------ start positions

    @Test
    void everyStartPosition() throws Exception {
        int partition = deviceOfPartition.keySet().stream().toList().get(2);
        List<String> sent = sendOverMqtt(partition, "pos", 5);
        List<EventData> all = read(consumer, partition, EventPosition.earliest(), 1000);
        List<EventData> mine = all.stream().filter(e -> sent.contains(e.getMessageId())).toList();
        assertThat(ids(mine)).containsExactlyElementsOf(sent);
        assertThat(all.get(0).getSequenceNumber()).as("earliest is the partition's first event").isZero();
        EventData second = mine.get(1);

        assertThat(ids(read(consumer, partition, EventPosition.fromSequenceNumber(second.getSequenceNumber()), 10)))
                .containsExactly("pos-2", "pos-3", "pos-4");
        assertThat(ids(read(consumer, partition, EventPosition.fromSequenceNumber(second.getSequenceNumber(), true), 10)))
                .containsExactly("pos-1", "pos-2", "pos-3", "pos-4");
        EventPosition fromOffset = EventPosition.fromOffset(second.getOffset());
        assertThat(ids(read(consumer, partition, fromOffset, 10))).as(fromOffset.toString())
                .containsExactlyElementsOf(fromOffset.isInclusive() ? sent.subList(1, 5) : sent.subList(2, 5));
        Instant secondTime = second.getEnqueuedTime();
        List<String> enqueuedAfter = mine.stream().filter(e -> e.getEnqueuedTime().isAfter(secondTime)).map(EventData::getMessageId).toList();
        assertThat(ids(read(consumer, partition, EventPosition.fromEnqueuedTime(secondTime), 10))).containsExactlyElementsOf(enqueuedAfter);
        assertThat(ids(read(consumer, partition, EventPosition.fromEnqueuedTime(Instant.EPOCH), 1000))).isEqualTo(ids(all));

        // latest: only events sent after the receiver attached (sent until one arrives: attaching is not observable)
        try (EventHubConsumerAsyncClient async = endpoint.client("$Default").retryOptions(RETRY).buildAsyncConsumerClient()) {
            Collection<String> received = new ConcurrentLinkedQueue<>();
            Disposable subscription = async.receiveFromPartition(Integer.toString(partition), EventPosition.latest())
                    .subscribe(e -> received.add(e.getData().getMessageId()));
            try {
                List<String> late = new CopyOnWriteArrayList<>();
                await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(() -> {
                    late.addAll(sendOverMqtt(partition, "late" + late.size(), 1));
                    return !received.isEmpty();
                });
                assertThat(received).allMatch(late::contains);
            } finally {
                subscription.dispose();
            }
        }
    }

    // ------------------------------------------------------------------ consumer groups and owner levels

    @Test
    void twoConsumerGroupsReadTheSameEventsIndependently() throws Exception {
        int partition = deviceOfPartition.keySet().stream().toList().get(0);
        List<String> sent = sendOverMqtt(partition, "groups", 3);
        try (EventHubConsumerClient second = endpoint.client("analytics").retryOptions(RETRY).buildConsumerClient()) {
            List<String> a = ids(read(consumer, partition, EventPosition.earliest(), 1000));
            List<String> b = ids(read(second, partition, EventPosition.earliest(), 1000));
            assertThat(a).containsAll(sent).isEqualTo(b);
        }
    }

    @Test
    void aHigherOwnerLevelTakesThePartitionAndTheLowerReceiverIsDisconnected() throws Exception {
        int partition = deviceOfPartition.keySet().stream().toList().get(1);
        sendOverMqtt(partition, "epoch", 2);
        String pid = Integer.toString(partition);
        try (EventHubConsumerAsyncClient first = endpoint.client("owners").retryOptions(RETRY).buildAsyncConsumerClient();
             EventHubConsumerAsyncClient second = endpoint.client("owners").retryOptions(RETRY).buildAsyncConsumerClient()) {
            List<String> firstEvents = new CopyOnWriteArrayList<>();
            AtomicReference<Throwable> firstError = new AtomicReference<>();
            Disposable a = first.receiveFromPartition(pid, EventPosition.earliest(), new ReceiveOptions().setOwnerLevel(1L))
                    .subscribe(e -> firstEvents.add(e.getData().getMessageId()), firstError::set);
            await().atMost(WAIT).until(() -> !firstEvents.isEmpty());

            List<String> secondEvents = new CopyOnWriteArrayList<>();
            AtomicReference<Throwable> secondError = new AtomicReference<>();
            Disposable b = second.receiveFromPartition(pid, EventPosition.earliest(), new ReceiveOptions().setOwnerLevel(2L))
                    .subscribe(e -> secondEvents.add(e.getData().getMessageId()), secondError::set);
            await().atMost(WAIT).until(() -> !secondEvents.isEmpty());
            await().atMost(WAIT).untilAsserted(() -> assertThat(firstError.get())
                    .isInstanceOfSatisfying(AmqpException.class,
                            e -> assertThat(e.getErrorCondition()).isEqualTo(AmqpErrorCondition.LINK_STOLEN)));
            assertThat(secondError.get()).isNull();
            a.dispose();
            b.dispose();
        }
    }

    @Test
    void trackingTheLastEnqueuedEvent() throws Exception {
        int partition = deviceOfPartition.keySet().stream().toList().get(2);
        sendOverMqtt(partition, "track", 2);
        PartitionProperties now = consumer.getPartitionProperties(Integer.toString(partition));
        List<LastEnqueuedEventProperties> seen = new ArrayList<>();
        for (PartitionEvent e : consumer.receiveFromPartition(Integer.toString(partition), 1, EventPosition.earliest(),
                Duration.ofSeconds(10), new ReceiveOptions().setTrackLastEnqueuedEventProperties(true))) {
            seen.add(e.getLastEnqueuedEventProperties());
        }
        assertThat(seen).singleElement().satisfies(last -> {
            assertThat(last.getSequenceNumber()).isEqualTo(now.getLastEnqueuedSequenceNumber());
            assertThat(last.getOffset()).isEqualTo(Long.parseLong(now.getLastEnqueuedOffset()));
            assertThat(last.getEnqueuedTime()).isEqualTo(now.getLastEnqueuedTime());
            assertThat(last.getRetrievalTime()).isAfterOrEqualTo(now.getLastEnqueuedTime());
        });
    }

    // ------------------------------------------------------------------ IoT Hub's redirect

    @Test
    void theIotHubSamplesPathIsRedirectedToTheEventHubCompatibleEndpoint() throws Exception {
        // as Microsoft's samples do: sign in to the IoT Hub host with the service policy, attach a receiver to
        // messages/events/$management, and build the Event Hubs connection string from the redirect
        Map<String, String> iotHub = GatewayProcess.parts(gateway.serviceConnectionString());
        String token = SasTokens.policyToken(iotHub.get("HostName") + "/messages/events",
                iotHub.get("SharedAccessKeyName"), iotHub.get("SharedAccessKey"), Instant.now().plusSeconds(300));
        ConnectionOptions options = new ConnectionOptions()
                .user(iotHub.get("SharedAccessKeyName") + "@sas.root.gatehouse").password(token);
        options.saslOptions().addAllowedMechanism("PLAIN");
        options.sslOptions().sslEnabled(true).sslContextOverride(DevelopmentCaTrust.sslContext(gateway.caCertificate()));
        Map<String, Object> info;
        try (Client client = Client.create();
             Connection connection = client.connect("localhost", gateway.port("amqp"), options)) {
            Receiver receiver =
                    connection.openReceiver("amqps://" + iotHub.get("HostName") + "/messages/events/$management");
            Throwable refusal = null;
            try {
                receiver.receive(10, TimeUnit.SECONDS);
            } catch (ClientLinkRemotelyClosedException e) {
                refusal = e;
            }
            assertThat(refusal).as("redirected").isNotNull();
            var condition = ((ClientLinkRemotelyClosedException) refusal).getErrorCondition();
            assertThat(condition.condition()).isEqualTo("amqp:link:redirect");
            info = condition.info();
        }
        Matcher entity = Pattern.compile(":\\d+/(.*)/\\$management").matcher((String) info.get("address"));
        assertThat(entity.find()).as("address %s", info.get("address")).isTrue();
        assertThat(info.get("port")).isEqualTo(gateway.port("amqp"));
        String converted = "Endpoint=sb://" + info.get("hostname") + "/;EntityPath=" + entity.group(1)
                + ";SharedAccessKeyName=" + iotHub.get("SharedAccessKeyName") + ";SharedAccessKey=" + iotHub.get("SharedAccessKey");
        try (EventHubConsumerClient client = new EventHubClientBuilder().connectionString(converted)
                .consumerGroup("$Default").customEndpointAddress("https://localhost:" + info.get("port"))
                .retryOptions(RETRY).buildConsumerClient()) {
            assertThat(client.getEventHubProperties().getPartitionIds()).hasSize(PARTITIONS);
        }
    }

    // ------------------------------------------------------------------ errors

    @Test
    void aWrongKeyIsUnauthorizedAndAnUnknownPartitionIsNotFound() throws Exception {
        try (EventHubConsumerClient wrong = new EventHubClientBuilder()
                .connectionString(endpoint.connectionStringWithKey(KEY)).consumerGroup("$Default")
                .customEndpointAddress("https://localhost:" + gateway.port("amqp")).retryOptions(RETRY).buildConsumerClient()) {
            assertThatThrownBy(wrong::getEventHubProperties).isInstanceOfSatisfying(AmqpException.class,
                    e -> assertThat(e.getErrorCondition()).isEqualTo(AmqpErrorCondition.UNAUTHORIZED_ACCESS));
        }
        assertThatThrownBy(() -> consumer.getPartitionProperties("9")).isInstanceOfSatisfying(AmqpException.class,
                e -> assertThat(e.getErrorCondition()).isEqualTo(AmqpErrorCondition.NOT_FOUND));
        // a receiver of a partition that does not exist: the SDK terminates the receive with the link's error as cause
        assertThatThrownBy(() -> read(consumer, 9, EventPosition.earliest(), 1)).cause()
                .isInstanceOfSatisfying(AmqpException.class,
                        e -> assertThat(e.getErrorCondition()).isEqualTo(AmqpErrorCondition.NOT_FOUND));
    }

    // ------------------------------------------------------------------ the event processor

    /** What processors saw: per partition, the sequence numbers processed, in order, and by whom. */
    private static final class Processed {
        final Map<String, List<Long>> sequences = new ConcurrentHashMap<>();
        final Map<String, String> byMessageId = new ConcurrentHashMap<>();

        void add(String processor, String partition, EventData event) {
            sequences.computeIfAbsent(partition, p -> new CopyOnWriteArrayList<>()).add(event.getSequenceNumber());
            byMessageId.put(event.getMessageId(), processor);
        }

        Set<String> processors() {
            return new TreeSet<>(byMessageId.values());
        }
    }

    private EventProcessorClient processor(String name, InMemoryCheckpointStore store, Processed processed,
                                           Collection<Throwable> errors) {
        return endpoint.processor("processors").retryOptions(RETRY).checkpointStore(store)
                .loadBalancingUpdateInterval(Duration.ofSeconds(1))
                .partitionOwnershipExpirationInterval(Duration.ofSeconds(4))
                .initialPartitionEventPosition(partition -> EventPosition.earliest())
                .processEvent(ctx -> {
                    processed.add(name, ctx.getPartitionContext().getPartitionId(), ctx.getEventData());
                    ctx.updateCheckpoint();
                })
                .processError(ctx -> errors.add(ctx.getThrowable()))
                .buildEventProcessorClient();
    }

    private List<String> sendToEveryWrittenPartition(String prefix, int perPartition) throws Exception {
        List<String> ids = new ArrayList<>();
        for (int partition : deviceOfPartition.keySet()) {
            ids.addAll(sendOverMqtt(partition, prefix + "-p" + partition, perPartition));
        }
        return ids;
    }

    @Test
    void eventProcessorsShareThePartitionsAndARestartedOneResumesAtItsCheckpoint() throws Exception {
        InMemoryCheckpointStore store = new InMemoryCheckpointStore();
        Processed processed = new Processed();
        Collection<Throwable> errors = new ConcurrentLinkedQueue<>();
        EventProcessorClient a = processor("A", store, processed, errors);
        EventProcessorClient b = processor("B", store, processed, errors);
        a.start();
        b.start();
        await().atMost(WAIT).untilAsserted(() -> assertThat(new TreeSet<>(store.owners().values())).hasSize(2));
        List<String> first = sendToEveryWrittenPartition("proc1", 5);
        await().atMost(WAIT).untilAsserted(() -> assertThat(processed.byMessageId).containsKeys(first.toArray(String[]::new)));
        assertThat(store.owners()).hasSize(PARTITIONS);
        assertThat(processed.processors()).containsExactly("A", "B");

        // B leaves: A takes its partitions over and reads on from B's checkpoints
        b.stop();
        List<String> second = sendToEveryWrittenPartition("proc2", 5);
        await().atMost(WAIT).untilAsserted(() -> assertThat(processed.byMessageId).containsKeys(second.toArray(String[]::new)));
        second.forEach(id -> assertThat(processed.byMessageId.get(id)).isEqualTo("A"));
        a.stop();

        Map<String, Long> checkpoints = new TreeMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            checkpoints.put(Integer.toString(p), store.checkpointedSequenceNumber("gatehouse", "processors", Integer.toString(p)));
        }
        Map<String, Integer> seenBeforeRestart = new TreeMap<>();
        processed.sequences.forEach((p, seqs) -> seenBeforeRestart.put(p, seqs.size()));

        // while nobody reads, more events arrive; a restarted processor resumes right after each checkpoint
        List<String> third = sendToEveryWrittenPartition("proc3", 5);
        EventProcessorClient c = processor("C", store, processed, errors);
        c.start();
        try {
            await().atMost(WAIT).untilAsserted(() -> assertThat(processed.byMessageId).containsKeys(third.toArray(String[]::new)));
        } finally {
            c.stop();
        }
        for (Map.Entry<String, List<Long>> e : processed.sequences.entrySet()) {
            List<Long> seqs = e.getValue();
            int before = seenBeforeRestart.getOrDefault(e.getKey(), 0);
            if (before > 0 && seqs.size() > before) {
                assertThat(seqs.get(before)).as("partition %s resumes after checkpoint", e.getKey())
                        .isEqualTo(checkpoints.get(e.getKey()) + 1);
            }
            // nothing skipped: from the first event each partition's sequence numbers follow one another
            List<Long> distinct = new ArrayList<>(new TreeSet<>(seqs));
            assertThat(distinct).as("partition %s", e.getKey())
                    .isEqualTo(IntStream.range(0, distinct.size()).mapToObj(i -> distinct.get(0) + i).toList());
            assertThat(distinct.get(0)).isZero();
        }
        // the only errors: partitions moving between A and B while they balance, and the SDK's own shutdown
        // ("Scheduler unavailable" from pumps still finishing when stop() disposed their scheduler)
        assertThat(errors).as("processor errors").allMatch(t -> t instanceof AmqpException x
                && x.getErrorCondition() == AmqpErrorCondition.LINK_STOLEN || t instanceof RejectedExecutionException);
    }
}
