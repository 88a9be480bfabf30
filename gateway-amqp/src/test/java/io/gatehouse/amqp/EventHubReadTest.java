package io.gatehouse.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.core.auth.SasTokens;
import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.events.EventPosition;
import io.gatehouse.core.events.EventSource;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.registry.Device;
import io.gatehouse.core.time.ManualClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.qpid.protonj2.client.Connection;
import org.apache.qpid.protonj2.client.Delivery;
import org.apache.qpid.protonj2.client.Message;
import org.apache.qpid.protonj2.client.Receiver;
import org.apache.qpid.protonj2.client.ReceiverOptions;
import org.apache.qpid.protonj2.client.Sender;
import org.apache.qpid.protonj2.client.exceptions.ClientException;
import org.apache.qpid.protonj2.client.exceptions.ClientLinkRemotelyClosedException;
import org.apache.qpid.protonj2.client.exceptions.ClientResourceRemotelyClosedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The D2C read endpoint in the Event Hubs form: {@code $management} READ requests, receivers of
 * {@code {entity}/ConsumerGroups/{group}/Partitions/{n}} from each kind of start position, and the annotations the
 * Event Hubs clients read.
 */
class EventHubReadTest {

    private static final String SELECTOR = "apache.org:selector-filter:string";

    private final ManualClock clock = new ManualClock(Instant.now());
    private TestHub hub;
    private AmqpClients clients;
    private Device device;
    private int partition;
    private final List<EventPosition> positions = new ArrayList<>();
    private Connection service;

    @BeforeEach
    void start() throws Exception {
        hub = TestHub.plain(HubSettings.defaults(), AmqpOptions.defaults(), clock);
        clients = new AmqpClients();
        device = hub.createDevice("reader-d1");
        partition = hub.core.events().partitionFor(device.id());
        EventSource source = new EventSource(device.id(), device.generationId(), "{\"scope\":\"device\"}");
        for (int i = 0; i < 4; i++) {
            MessageProperties properties = MessageProperties.builder().messageId("e-" + i).contentType("text/plain")
                    .put("index", Integer.toString(i)).build();
            positions.add(hub.core.events().append(source, properties, ("event " + i).getBytes(StandardCharsets.UTF_8)).join());
            clock.advance(Duration.ofSeconds(1));
        }
        service = clients.anonymous(hub.port());
        assertThat(new AmqpClients.Cbs(service).putTokenStatus(TestHub.HOST, hub.serviceToken("service"))).isEqualTo(200);
    }

    @AfterEach
    void stop() throws Exception {
        clients.close();
        hub.close();
    }

    private List<String> read(String address, String selector, int expected) throws Exception {
        ReceiverOptions options = new ReceiverOptions().creditWindow(10);
        if (selector != null) {
            options.sourceOptions().addFilter(SELECTOR, SELECTOR, selector);
        }
        Receiver receiver = service.openReceiver(address, options);
        AmqpClients.await(receiver.openFuture());
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < expected; i++) {
            Delivery delivery = receiver.receive(10, TimeUnit.SECONDS);
            assertThat(delivery).as("event " + i + " of " + address + " " + selector).isNotNull();
            ids.add((String) delivery.message().messageId());
        }
        assertThat(receiver.receive(200, TimeUnit.MILLISECONDS)).as("no more events").isNull();
        receiver.close();
        return ids;
    }

    private String address() {
        return "messages/events/ConsumerGroups/$Default/Partitions/" + partition;
    }

    @Test
    void readsFromTheStartWithoutAFilterInEveryAddressForm() throws Exception {
        for (String address : List.of(address(), "/" + address(), "gatehouse/ConsumerGroups/$Default/Partitions/" + partition,
                "/gatehouse/consumergroups/mygroup/partitions/" + partition)) {
            assertThat(read(address, null, 4)).containsExactly("e-0", "e-1", "e-2", "e-3");
        }
    }

    @Test
    void startsFromAnOffset() throws Exception {
        long second = positions.get(1).offset();
        assertThat(read(address(), "amqp.annotation.x-opt-offset > '" + second + "'", 2)).containsExactly("e-2", "e-3");
        assertThat(read(address(), "amqp.annotation.x-opt-offset >= '" + second + "'", 3)).containsExactly("e-1", "e-2", "e-3");
        assertThat(read(address(), "amqp.annotation.x-opt-offset > '-1'", 4)).containsExactly("e-0", "e-1", "e-2", "e-3");
    }

    @Test
    void startsFromASequenceNumber() throws Exception {
        long first = positions.get(0).sequenceNumber();
        assertThat(read(address(), "amqp.annotation.x-opt-sequence-number > '" + first + "'", 3)).containsExactly("e-1", "e-2", "e-3");
        assertThat(read(address(), "amqp.annotation.x-opt-sequence-number >= " + (first + 3), 1)).containsExactly("e-3");
    }

    @Test
    void startsFromAnEnqueuedTime() throws Exception {
        long third = positions.get(2).enqueuedTime().toEpochMilli();
        assertThat(read(address(), "amqp.annotation.x-opt-enqueued-time > '" + third + "'", 1)).containsExactly("e-3");
        assertThat(read(address(), "amqp.annotation.x-opt-enqueued-time >= '" + third + "'", 2)).containsExactly("e-2", "e-3");
    }

    @Test
    void startsAtTheEndWithLatest() throws Exception {
        ReceiverOptions options = new ReceiverOptions().creditWindow(10);
        options.sourceOptions().addFilter(SELECTOR, SELECTOR, "amqp.annotation.x-opt-offset > '@latest'");
        Receiver receiver = service.openReceiver(address(), options);
        AmqpClients.await(receiver.openFuture());
        assertThat(receiver.receive(200, TimeUnit.MILLISECONDS)).isNull();
        EventSource source = new EventSource(device.id(), device.generationId(), "{}");
        hub.core.events().append(source, MessageProperties.builder().messageId("new").build(), new byte[] {1}).join();
        Delivery delivery = receiver.receive(10, TimeUnit.SECONDS);
        assertThat(delivery.message().messageId()).isEqualTo("new");
    }

    @Test
    void eventsCarryTheSystemPropertiesEventHubsClientsRead() throws Exception {
        Receiver receiver = service.openReceiver(address(), new ReceiverOptions().creditWindow(1));
        Message<?> message = receiver.receive(10, TimeUnit.SECONDS).message();
        assertThat(message.body()).isEqualTo("event 0".getBytes(StandardCharsets.UTF_8));
        assertThat(message.contentType()).isEqualTo("text/plain");
        assertThat(message.property("index")).isEqualTo("0");
        assertThat(message.annotation("x-opt-sequence-number")).isEqualTo(positions.get(0).sequenceNumber());
        assertThat(message.annotation("x-opt-offset")).isEqualTo(Long.toString(positions.get(0).offset()));
        // AMQP timestamps (protonj2 decodes them as epoch milliseconds; proton-j, as the Event Hubs client uses, as Date)
        assertThat(message.annotation("x-opt-enqueued-time")).isEqualTo(positions.get(0).enqueuedTime().toEpochMilli());
        assertThat(message.annotation("iothub-enqueuedtime")).isEqualTo(positions.get(0).enqueuedTime().toEpochMilli());
        assertThat(message.annotation("iothub-connection-device-id")).isEqualTo("reader-d1");
        assertThat(message.annotation("iothub-connection-auth-generation-id")).isEqualTo(device.generationId());
        assertThat(message.annotation("iothub-connection-auth-method")).isEqualTo("{\"scope\":\"device\"}");
    }

    @Test
    void aSlowReaderGetsOnlyWhatItsCreditAllows() throws Exception {
        Receiver receiver = service.openReceiver(address(), new ReceiverOptions().creditWindow(0));
        AmqpClients.await(receiver.openFuture());
        receiver.addCredit(1);
        assertThat(receiver.receive(10, TimeUnit.SECONDS).message().messageId()).isEqualTo("e-0");
        assertThat(receiver.receive(200, TimeUnit.MILLISECONDS)).isNull();
        receiver.addCredit(3);
        for (int i = 1; i < 4; i++) {
            assertThat(receiver.receive(10, TimeUnit.SECONDS).message().messageId()).isEqualTo("e-" + i);
        }
    }

    @Test
    void badPartitionsGroupsAndFiltersAreRefused() throws Exception {
        assertThat(AmqpClients.refusal(service.openReceiver("messages/events/ConsumerGroups/$Default/Partitions/4")))
                .isEqualTo("amqp:not-found");
        assertThat(AmqpClients.refusal(service.openReceiver("other-hub/ConsumerGroups/$Default/Partitions/0")))
                .isEqualTo("amqp:not-found");
        assertThat(AmqpClients.refusal(service.openReceiver("messages/events/ConsumerGroups/bad group!/Partitions/0")))
                .isEqualTo("amqp:invalid-field");
        ReceiverOptions options = new ReceiverOptions();
        options.sourceOptions().addFilter(SELECTOR, SELECTOR, "amqp.annotation.x-opt-color > 'red'");
        assertThat(AmqpClients.refusal(service.openReceiver(address(), options))).isEqualTo("amqp:invalid-field");
    }

    @Test
    void managementAnswersEventHubAndPartitionReads() throws Exception {
        Sender requests = service.openSender("$management");
        Receiver replies = service.openReceiver("$management");
        AmqpClients.await(replies.openFuture());

        Map<?, ?> hubInfo = request(requests, replies, "com.microsoft:eventhub", null);
        assertThat(hubInfo.get("partition_count")).isEqualTo(4);
        assertThat((Object[]) hubInfo.get("partition_ids")).containsExactly("0", "1", "2", "3");
        assertThat(hubInfo.get("created_at")).isInstanceOf(Long.class); // a timestamp, see above
        assertThat(hubInfo.get("name")).isEqualTo("gatehouse");

        Map<?, ?> info = request(requests, replies, "com.microsoft:partition", Integer.toString(partition));
        assertThat(info.get("partition")).isEqualTo(Integer.toString(partition));
        assertThat(info.get("begin_sequence_number")).isEqualTo(positions.get(0).sequenceNumber());
        assertThat(info.get("last_enqueued_sequence_number")).isEqualTo(positions.get(3).sequenceNumber());
        assertThat(info.get("last_enqueued_offset")).isEqualTo(Long.toString(positions.get(3).offset()));
        assertThat(info.get("last_enqueued_time_utc")).isEqualTo(positions.get(3).enqueuedTime().toEpochMilli());
        assertThat(info.get("is_partition_empty")).isEqualTo(false);

        int empty = (partition + 1) % 4;
        Map<?, ?> emptyInfo = request(requests, replies, "com.microsoft:partition", Integer.toString(empty));
        assertThat(emptyInfo.get("is_partition_empty")).isEqualTo(true);
        assertThat(emptyInfo.get("begin_sequence_number")).isEqualTo(-1L);
        assertThat(emptyInfo.get("last_enqueued_sequence_number")).isEqualTo(-1L);
        assertThat(emptyInfo.get("last_enqueued_offset")).isEqualTo("-1");
        assertThat(emptyInfo.get("last_enqueued_time_utc")).isEqualTo(0L);
    }

    private Receiver partitionReceiver(Long epoch, int credit, String... desired) throws Exception {
        ReceiverOptions options = new ReceiverOptions().creditWindow(credit);
        if (epoch != null) {
            options.properties(Map.of("com.microsoft:epoch", epoch));
        }
        if (desired.length > 0) {
            options.desiredCapabilities(desired);
        }
        return service.openReceiver(address(), options);
    }

    private static String remoteCloseCondition(Receiver receiver) {
        try {
            Delivery d = receiver.receive(10, TimeUnit.SECONDS);
            return d == null ? "(still open)" : "(delivered " + d + ")";
        } catch (ClientResourceRemotelyClosedException e) {
            return e.getErrorCondition() == null ? "(none)" : e.getErrorCondition().condition();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aHigherEpochTakesThePartitionAndALowerOneIsRefused() throws Exception {
        Receiver first = partitionReceiver(1L, 0);
        AmqpClients.await(first.openFuture());
        Receiver second = partitionReceiver(2L, 10);
        AmqpClients.await(second.openFuture());
        // both Event Hubs SDKs turn amqp:link:stolen into their "receiver disconnected" error
        assertThat(remoteCloseCondition(first)).isEqualTo("amqp:link:stolen");
        assertThat(AmqpClients.refusal(partitionReceiver(1L, 10))).isEqualTo("amqp:link:stolen");
        assertThat(AmqpClients.refusal(partitionReceiver(null, 10))).isEqualTo("amqp:link:stolen");
        assertThat(second.receive(10, TimeUnit.SECONDS).message().messageId()).isEqualTo("e-0");

        // another consumer group is independent of this one's owner
        Receiver otherGroup = service.openReceiver("gatehouse/ConsumerGroups/other/Partitions/" + partition,
                new ReceiverOptions().creditWindow(10));
        assertThat(otherGroup.receive(10, TimeUnit.SECONDS).message().messageId()).isEqualTo("e-0");
        second.close();
        Receiver afterOwnerLeft = partitionReceiver(null, 10);
        assertThat(afterOwnerLeft.receive(10, TimeUnit.SECONDS).message().messageId()).isEqualTo("e-0");
    }

    @Test
    void receiversTrackingTheLastEnqueuedEventGetItInDeliveryAnnotations() throws Exception {
        for (String capability : List.of("com.microsoft:enable-receiver-runtime-metric",
                "com.microsoft:enable-receiver-runtime-metric-descriptor")) {
            Receiver receiver = partitionReceiver(null, 10, capability);
            AmqpClients.await(receiver.openFuture());
            assertThat(receiver.offeredCapabilities()).containsExactly(capability);
            Delivery delivery = receiver.receive(10, TimeUnit.SECONDS);
            assertThat(delivery.annotations()).containsEntry("last_enqueued_sequence_number", positions.get(3).sequenceNumber())
                    .containsEntry("last_enqueued_offset", Long.toString(positions.get(3).offset()))
                    .containsKeys("last_enqueued_time_utc", "runtime_info_retrieval_time_utc");
            receiver.close();
        }
        Receiver plain = partitionReceiver(null, 10);
        assertThat(plain.receive(10, TimeUnit.SECONDS).annotations()).isNullOrEmpty();
    }

    @Test
    void iotHubsOwnEventsAddressIsRedirectedToTheEventHubCompatibleName() throws Exception {
        ClientLinkRemotelyClosedException redirect = null;
        try {
            AmqpClients.await(service.openReceiver("amqps://" + TestHub.HOST + "/messages/events/$management").openFuture());
        } catch (ClientLinkRemotelyClosedException e) {
            redirect = e;
        }
        assertThat(redirect).as("redirected").isNotNull();
        assertThat(redirect.getErrorCondition().condition()).isEqualTo("amqp:link:redirect");
        Map<String, Object> info = redirect.getErrorCondition().info();
        assertThat(info).containsEntry("port", hub.port()).containsEntry("address",
                "amqp://" + info.get("hostname") + ":" + hub.port() + "/gatehouse/$management");
        assertThat(info.get("network-host")).isEqualTo(info.get("hostname"));
        // the samples' regex takes the event hub name from the address
        assertThat(java.util.regex.Pattern.compile(":\\d+/(.*)/\\$management").matcher((String) info.get("address")).results()
                .map(m -> m.group(1)).toList()).containsExactly("gatehouse");
    }

    @Test
    void iotHubSamplesSignInWithSaslPlainAsPolicyAtSasRoot() throws Exception {
        Connection plain = clients.plain(hub.port(), "service@sas.root.gatehouse", hub.serviceToken("service"));
        assertThat(AmqpClients.refusal(plain.openReceiver("messages/events/$management"))).isEqualTo("amqp:link:redirect");
    }

    @Test
    void managementRefusesUnknownEntitiesAndPartitionsAsNotFound() throws Exception {
        Sender requests = service.openSender("$management");
        Receiver replies = service.openReceiver("$management");
        AmqpClients.await(replies.openFuture());
        for (String[] nameAndPartition : new String[][] {{"other-hub", null}, {"gatehouse", "4"}, {"gatehouse", "x"}}) {
            Message<Object> request = Message.create((Object) null).messageId(UUID.randomUUID()).replyTo("$management")
                    .property("operation", "READ").property("name", nameAndPartition[0])
                    .property("type", nameAndPartition[1] == null ? "com.microsoft:eventhub" : "com.microsoft:partition");
            if (nameAndPartition[1] != null) {
                request.property("partition", nameAndPartition[1]);
            }
            requests.send(request);
            Message<?> reply = replies.receive(10, TimeUnit.SECONDS).message();
            assertThat(reply.property("status-code")).isEqualTo(404);
            assertThat(reply.property("error-condition")).hasToString("amqp:not-found");
        }
    }

    @Test
    void managementRequestsAuthorizeWithTheirOwnSecurityTokenSignedEitherWay() throws Exception {
        Connection fresh = clients.anonymous(hub.port());
        Sender requests = fresh.openSender("$management");
        Receiver replies = fresh.openReceiver("$management");
        AmqpClients.await(replies.openFuture());
        String key = hub.policy("service").keys().primaryKey();
        Instant expiry = Instant.now().plusSeconds(600);
        String eventHubs = SasTokens.eventHubsToken("amqp://" + TestHub.HOST + "/gatehouse/$management", "service", key, expiry);
        String wrongKey = SasTokens.eventHubsToken("amqp://" + TestHub.HOST + "/gatehouse/$management", "service",
                hub.policy("iothubowner").keys().primaryKey(), expiry);
        assertThat(managementStatus(requests, replies, wrongKey)).isEqualTo(401);
        assertThat(managementStatus(requests, replies, null)).as("nothing on $cbs either").isEqualTo(401);
        assertThat(managementStatus(requests, replies, eventHubs)).isEqualTo(200);
    }

    private static int managementStatus(Sender requests, Receiver replies, String securityToken) throws Exception {
        Message<Object> request = Message.create((Object) null).messageId(UUID.randomUUID()).replyTo("$management")
                .property("operation", "READ").property("name", "gatehouse").property("type", "com.microsoft:eventhub");
        if (securityToken != null) {
            request.property("security_token", securityToken);
        }
        requests.send(request);
        Message<?> reply = replies.receive(10, TimeUnit.SECONDS).message();
        if (!Integer.valueOf(200).equals(reply.property("status-code"))) {
            assertThat(reply.property("error-condition")).hasToString("amqp:unauthorized-access");
        }
        return (Integer) reply.property("status-code");
    }

    @Test
    void saslPlainAtSasRootNeedsThePolicyTheTokenIsSignedWith() throws Exception {
        assertThatThrownBy(() -> clients.plain(hub.port(), "iothubowner@sas.root.gatehouse", hub.serviceToken("service")))
                .isInstanceOf(ClientException.class);
    }

    private static Map<?, ?> request(Sender requests, Receiver replies, String type, String partition) throws Exception {
        UUID id = UUID.randomUUID();
        Message<Object> request = Message.create((Object) null).messageId(id).replyTo("$management")
                .property("operation", "READ").property("name", "gatehouse").property("type", type);
        if (partition != null) {
            request.property("partition", partition);
        }
        requests.send(request);
        Message<?> reply = replies.receive(10, TimeUnit.SECONDS).message();
        assertThat(reply.correlationId()).isEqualTo(id);
        assertThat(reply.property("status-code")).isEqualTo(200);
        return (Map<?, ?>) reply.body();
    }
}
