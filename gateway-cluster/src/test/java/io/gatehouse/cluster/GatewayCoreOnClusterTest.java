package io.gatehouse.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.cluster.testing.ClusterEngines;
import io.gatehouse.cluster.testing.EmbeddedKafka;
import io.gatehouse.cluster.testing.EmbeddedPostgres;
import io.gatehouse.core.GatewayCore;
import io.gatehouse.core.auth.Principal.DevicePrincipal;
import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.events.Checkpoint;
import io.gatehouse.core.events.D2cEvent;
import io.gatehouse.core.events.EventPosition;
import io.gatehouse.core.events.EventSource;
import io.gatehouse.core.events.PartitionInfo;
import io.gatehouse.core.events.StartPosition;
import io.gatehouse.core.feedback.AckMode;
import io.gatehouse.core.methods.MethodCall;
import io.gatehouse.core.methods.MethodRequest;
import io.gatehouse.core.methods.MethodResult;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.ownership.DevicePresence;
import io.gatehouse.core.queue.C2dRequest;
import io.gatehouse.core.queue.Delivery;
import io.gatehouse.core.queue.PolledInboxes;
import io.gatehouse.core.queue.Receiver;
import io.gatehouse.core.registry.AccessPolicy;
import io.gatehouse.core.registry.Device;
import io.gatehouse.core.registry.DeviceStatus;
import io.gatehouse.core.registry.DeviceUpdate;
import io.gatehouse.core.registry.Module;
import io.gatehouse.core.registry.RegistryListener;
import io.gatehouse.core.registry.SymmetricKeys;
import io.gatehouse.core.store.ClusterMember;
import io.gatehouse.core.store.DeviceOwnership;
import io.gatehouse.core.session.C2dDeliveryMode;
import io.gatehouse.core.session.DeviceConnections;
import io.gatehouse.core.session.DeviceSession;
import io.gatehouse.core.testing.RecordingSink;
import io.gatehouse.core.time.ManualClock;
import io.gatehouse.core.twin.DesiredPatch;
import io.gatehouse.core.twin.Twin;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The whole core on the cluster store: what it acknowledged comes back after a restart (from PostgreSQL and
 * Kafka), events stored through one node are read, in order and with their positions, through another, and a
 * device's C2D queue lives on the node where the device receives, whichever node a service sends through.
 */
@ExtendWith(ClusterEngines.class)
class GatewayCoreOnClusterTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final DeviceId D1 = DeviceId.of("d1");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final EmbeddedKafka kafka;
    private final EmbeddedPostgres postgres;
    private final ManualClock clock = new ManualClock();
    private final HubSettings settings = HubSettings.defaults()
            .with(HubSettings.FEEDBACK_BATCH_WINDOW.property(), "PT0S");

    GatewayCoreOnClusterTest(EmbeddedKafka kafka, EmbeddedPostgres postgres) {
        this.kafka = kafka;
        this.postgres = postgres;
    }

    @Test
    void aRestartedCoreHasEverythingItAcknowledged() throws Exception {
        PostgresSettings state = ClusterTesting.newSchema(postgres, "node-a");
        KafkaSettings events = ClusterTesting.newTopic(kafka, settings.eventPartitions(), "node-a");
        Device d1;
        List<EventPosition> positions = new ArrayList<>();
        Checkpoint checkpoint;
        try (ClusterStore store = ClusterStore.open(state, events); GatewayCore core = start(store)) {
            d1 = get(core.registry().create(D1));
            for (int i = 1; i <= 3; i++) {
                get(core.c2d().send(D1, request("m" + i)));
            }
            RecordingSink sink = new RecordingSink();
            core.c2d().openReceiver(D1, sink).addCredit(1);
            assertThat(id(sink.await(WAIT))).isEqualTo("m1");
            for (int i = 0; i < 10; i++) {
                positions.add(get(core.events().append(source(d1), MessageProperties.EMPTY, body("e" + i))));
            }
            EventPosition fifth = positions.get(4);
            checkpoint = new Checkpoint("$Default", fifth.partition(), fifth.sequenceNumber(), fifth.offset());
            get(core.events().checkpoint(checkpoint));
            get(core.barrier());
        }

        try (ClusterStore store = ClusterStore.open(state, events); GatewayCore core = start(store)) {
            assertThat(core.registry().get(D1)).contains(d1);
            // the queue comes back when the device claims it here, by opening a receiver; m1 was locked when the
            // node stopped: locks are not stored, so it is offered again, first
            RecordingSink sink = new RecordingSink();
            core.c2d().openReceiver(D1, sink).addCredit(3);
            assertThat(List.of(id(sink.await(WAIT)), id(sink.await(WAIT)), id(sink.await(WAIT))))
                    .containsExactly("m1", "m2", "m3");
            assertThat(core.events().checkpoint("$Default", checkpoint.partition())).contains(checkpoint);

            int partition = positions.get(0).partition();
            ReceivedEvents received = new ReceivedEvents();
            core.events().openReader("$Default", partition, StartPosition.earliest(), received).addCredit(100);
            assertSamePositions(received.take(10, WAIT), positions);
            PartitionInfo info = core.events().partitionInfo(partition);
            assertThat(info.beginningSequenceNumber()).isEqualTo(positions.get(0).sequenceNumber());
            assertThat(info.lastSequenceNumber()).isEqualTo(positions.get(9).sequenceNumber());
            assertThat(info.lastEnqueuedTime()).isEqualTo(positions.get(9).enqueuedTime());
        }
    }

    @Test
    void eventsAppendedThroughOneNodeAreReadInOrderThroughAnother() throws Exception {
        KafkaSettings topic = ClusterTesting.newTopic(kafka, settings.eventPartitions(), "node-a");
        try (ClusterStore storeA = ClusterStore.open(ClusterTesting.newSchema(postgres, "node-a"), topic);
             ClusterStore storeB = ClusterStore.open(ClusterTesting.newSchema(postgres, "node-b"), topic);
             GatewayCore nodeA = start(storeA);
             GatewayCore nodeB = start(storeB)) {
            EventSource device = new EventSource(D1, "generation-1", "sas");
            int partition = nodeA.events().partitionFor(D1);
            // opened before anything is appended: B is told of A's events by Kafka, not by a local append
            ReceivedEvents fromLatest = new ReceivedEvents();
            nodeB.events().openReader("$Default", partition, StartPosition.latest(), fromLatest).addCredit(1000);

            List<EventPosition> positions = new ArrayList<>();
            List<CompletableFuture<EventPosition>> appends = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                // both nodes append to the same partition: Kafka orders them
                GatewayCore node = i % 5 == 0 ? nodeB : nodeA;
                appends.add(node.events().append(device, MessageProperties.builder().messageId("e" + i).build(), body("e" + i)));
            }
            for (CompletableFuture<EventPosition> append : appends) {
                positions.add(get(append));
            }
            positions.sort((a, b) -> Long.compare(a.sequenceNumber(), b.sequenceNumber()));

            assertSamePositions(fromLatest.take(50, WAIT), positions);
            ReceivedEvents fromStart = new ReceivedEvents();
            nodeB.events().openReader("$Default", partition, StartPosition.earliest(), fromStart).addCredit(1000);
            List<D2cEvent> read = fromStart.take(50, WAIT);
            assertSamePositions(read, positions);
            assertThat(read.get(0).source()).isEqualTo(device);

            EventPosition tenth = positions.get(9);
            ReceivedEvents fromOffset = new ReceivedEvents();
            nodeB.events().openReader("$Default", partition, new StartPosition.FromOffset(tenth.offset(), false), fromOffset)
                    .addCredit(1);
            assertThat(fromOffset.take(1, WAIT).get(0).sequenceNumber()).isEqualTo(positions.get(10).sequenceNumber());
            ReceivedEvents fromTime = new ReceivedEvents();
            nodeB.events().openReader("$Default", partition,
                    new StartPosition.FromEnqueuedTime(tenth.enqueuedTime(), true), fromTime).addCredit(1);
            assertThat(fromTime.take(1, WAIT).get(0).enqueuedTime()).isEqualTo(tenth.enqueuedTime());

            PartitionInfo onB = nodeB.events().partitionInfo(partition);
            assertThat(onB.lastSequenceNumber()).isEqualTo(positions.get(49).sequenceNumber());
            assertThat(onB.lastOffset()).isEqualTo(positions.get(49).offset());
            // node A learns of B's last events when its tail follower fetches them, a moment after Kafka acked them
            await().atMost(WAIT).untilAsserted(() -> assertThat(nodeA.events().partitionInfo(partition)).isEqualTo(onB));
        }
    }

    @Test
    void devicesCreatedChangedAndDeletedThroughOneNodeAreKnownToTheOthers() throws Exception {
        PostgresSettings shared = ClusterTesting.newSchema(postgres, "node");
        KafkaSettings topic = ClusterTesting.newTopic(kafka, settings.eventPartitions(), "node");
        try (ClusterStore storeA = ClusterStore.open(shared, topic);
             ClusterStore storeB = ClusterStore.open(shared, topic);
             ClusterStore elsewhere = ClusterStore.open(ClusterTesting.newSchema(postgres, "node"), topic);
             GatewayCore nodeA = start(storeA);
             GatewayCore nodeB = start(storeB);
             GatewayCore otherHub = start(elsewhere)) {
            List<Device> disabledOnB = new CopyOnWriteArrayList<>();
            nodeB.registry().addListener(new RegistryListener() {
                @Override
                public void deviceDeleted(Device device) {
                }

                @Override
                public void deviceUpdated(Device before, Device after) {
                    if (before.isEnabled() && !after.isEnabled()) {
                        disabledOnB.add(after);
                    }
                }
            });

            Device created = get(nodeA.registry().create(D1));
            // read-your-writes: a read through B right after the creation through A finds the device
            assertThat(get(nodeB.registry().getLatest(D1))).contains(created);
            for (int i = 0; i < 100; i++) {
                DeviceId fresh = DeviceId.of("fresh-" + i);
                get(nodeA.registry().create(fresh));
                assertThat(get(nodeB.registry().getLatest(fresh))).as("fresh-%d", i).isPresent();
            }

            Device disabled = get(nodeA.registry().update(D1, created.etag(),
                    new DeviceUpdate(DeviceStatus.DISABLED, "stolen", null)));
            await().atMost(WAIT).until(() -> !disabledOnB.isEmpty());
            assertThat(disabledOnB).containsExactly(disabled);
            assertThat(nodeB.registry().get(D1)).contains(disabled);

            // a change made on B travels back to A
            Device enabled = get(nodeB.registry().update(D1, "*", new DeviceUpdate(DeviceStatus.ENABLED, null, null)));
            await().atMost(WAIT).until(() -> nodeA.registry().get(D1).equals(Optional.of(enabled)));

            get(nodeA.registry().delete(D1, "*"));
            await().atMost(WAIT).until(() -> nodeB.registry().get(D1).isEmpty());
            // a hub in another schema of the same database hears nothing of this one
            assertThat(otherHub.registry().get(D1)).isEmpty();
        }
    }

    @Test
    void modulesAndAccessPoliciesChangedThroughOneNodeAreKnownToTheOthers() throws Exception {
        PostgresSettings shared = ClusterTesting.newSchema(postgres, "node");
        KafkaSettings topic = ClusterTesting.newTopic(kafka, settings.eventPartitions(), "node");
        try (ClusterStore storeA = ClusterStore.open(shared, topic);
             ClusterStore storeB = ClusterStore.open(shared, topic);
             GatewayCore nodeA = start(storeA);
             GatewayCore nodeB = start(storeB)) {
            get(nodeA.registry().create(D1));
            Module created = get(nodeA.modules().create(D1, "filter", null, null));
            await().atMost(WAIT).until(() -> nodeB.modules().get(D1, "filter").isPresent());
            assertThat(nodeB.modules().get(D1, "filter")).contains(created);

            Module rekeyed = get(nodeB.modules().update(D1, "filter", created.etag(), "edge", SymmetricKeys.generate()));
            await().atMost(WAIT).until(() -> nodeA.modules().get(D1, "filter").equals(Optional.of(rekeyed)));

            get(nodeA.modules().delete(D1, "filter", "*"));
            await().atMost(WAIT).until(() -> nodeB.modules().get(D1, "filter").isEmpty());

            AccessPolicy service = nodeA.policies().get("service").orElseThrow();
            AccessPolicy newKeys = new AccessPolicy("service", SymmetricKeys.generate(), service.rights());
            get(nodeA.policies().put(newKeys));
            await().atMost(WAIT).until(() -> nodeB.policies().get("service").equals(Optional.of(newKeys)));
        }
    }

    @Test
    void c2dMessagesSentThroughAnyNodeReachTheNodeWhereTheDeviceReceivesAndMoveWithIt() throws Exception {
        try (TwoNodes nodes = new TwoNodes()) {
            GatewayCore nodeA = nodes.nodeA;
            GatewayCore nodeB = nodes.nodeB;

            // the device receives on A: A claims it; a send through A waits for that claim
            RecordingSink onA = new RecordingSink();
            Receiver receiverA = nodeA.c2d().openReceiver(D1, onA);
            receiverA.addCredit(10);
            get(nodeA.c2d().send(D1, request("m0")));
            for (int i = 1; i <= 3; i++) {
                assertThat(get(nodeB.c2d().send(D1, request("m" + i)))).isEqualTo("m" + i); // run on A, answered to B
            }
            List<Delivery> deliveredOnA = List.of(onA.await(WAIT), onA.await(WAIT), onA.await(WAIT), onA.await(WAIT));
            assertThat(deliveredOnA).extracting(GatewayCoreOnClusterTest::id).containsExactly("m0", "m1", "m2", "m3");
            get(receiverA.complete(deliveredOnA.get(0).lockToken()));
            assertThat(nodeB.c2d().depth(D1)).isZero(); // B keeps no copy of a queue it does not own

            // the device moves to B: B claims it and gets what A had not completed; A lets go of the queue
            RecordingSink onB = new RecordingSink();
            nodeB.c2d().openReceiver(D1, onB).addCredit(10);
            List<Delivery> deliveredOnB = List.of(onB.await(WAIT), onB.await(WAIT), onB.await(WAIT));
            assertThat(deliveredOnB).extracting(GatewayCoreOnClusterTest::id).containsExactly("m1", "m2", "m3");
            // each was delivered once on A already: the count came from PostgreSQL
            assertThat(deliveredOnB).extracting(Delivery::deliveryCount).containsOnly(2);
            await().atMost(WAIT).until(() -> nodeA.c2d().depth(D1) == 0);
            assertThatThrownBy(() -> get(receiverA.complete(deliveredOnA.get(1).lockToken())))
                    .hasCauseInstanceOf(GatewayException.class);

            // a purge through A runs on B, the owner
            assertThat(get(nodeA.c2d().purge(D1))).isEqualTo(3);
            assertThat(nodeB.c2d().depth(D1)).isZero();
            assertThat(onA.poll()).isNull();
        }
    }

    @Test
    void feedbackOfMessagesSettledOnAnyNodeReachesTheFeedbackReceiverWhereverItIs() throws Exception {
        try (TwoNodes nodes = new TwoNodes()) {
            GatewayCore nodeA = nodes.nodeA;
            GatewayCore nodeB = nodes.nodeB;
            RecordingSink device = new RecordingSink();
            Receiver onA = nodeA.c2d().openReceiver(D1, device);
            onA.addCredit(10);
            RecordingSink feedbackOnB = new RecordingSink();
            Receiver serviceOnB = nodeB.feedback().openReceiver(feedbackOnB);
            serviceOnB.addCredit(10);

            // settled on A, where the device is; the feedback receiver is on B, which claimed the queue (nobody had it)
            get(nodeB.c2d().send(D1, fullAck("wants-feedback-1")));
            get(onA.complete(device.await(WAIT).lockToken()));
            Delivery feedback = collected(feedbackOnB);
            assertThat(body(feedback)).contains("wants-feedback-1").contains("Success");
            get(serviceOnB.complete(feedback.lockToken()));
            assertThat(ownsFeedback(nodes.shared, nodes.storeB)).isTrue();

            // a receiver on A while B owns the queue is served by B: B keeps it, the receivers share its messages
            RecordingSink feedbackOnA = new RecordingSink();
            Receiver serviceOnA = nodeA.feedback().openReceiver(feedbackOnA);
            serviceOnA.addCredit(10);
            serviceOnB.close();
            get(nodeA.c2d().send(D1, fullAck("wants-feedback-2")));
            get(onA.reject(device.await(WAIT).lockToken()));
            Delivery second = collected(feedbackOnA);
            assertThat(body(second)).contains("wants-feedback-2").contains("Rejected");
            assertThat(ownsFeedback(nodes.shared, nodes.storeB)).isTrue();
            // settled through A, on B: abandoned, it is offered again; completed, it is gone
            get(serviceOnA.abandon(second.lockToken()));
            Delivery again = collected(feedbackOnA);
            assertThat(id(again)).isEqualTo(id(second));
            assertThat(again.deliveryCount()).isEqualTo(2);
            assertThatThrownBy(() -> get(serviceOnA.complete(second.lockToken())))
                    .hasCauseInstanceOf(GatewayException.class).hasMessageContaining("no message of the feedback queue");
            get(serviceOnA.complete(again.lockToken()));
            assertThat(nodeB.feedback().depth()).isZero();
            assertThat(feedbackOnB.poll()).isNull();

            // B stops: A's receiver finds no live owner, claims the queue and receives it there
            nodes.closeB();
            await().atMost(WAIT.multipliedBy(2)).until(() -> {
                clock.advance(Duration.ofSeconds(1)); // A's receiver asks again on the core's clock
                return ownsFeedback(nodes.shared, nodes.storeA);
            });
            get(nodeA.c2d().send(D1, fullAck("wants-feedback-3")));
            get(onA.complete(device.await(WAIT).lockToken()));
            assertThat(body(collected(feedbackOnA))).contains("wants-feedback-3").contains("Success");
        }
    }

    @Test
    void nodesSeeEachOtherAndTwinsSessionsAndCheckpointsChangedThroughOneAreSeenOnTheOther() throws Exception {
        try (TwoNodes nodes = new TwoNodes()) {
            GatewayCore nodeA = nodes.nodeA;
            GatewayCore nodeB = nodes.nodeB;
            // each node sees both, itself among them, by their heartbeats
            await().atMost(WAIT).until(() -> nodeA.clusterMembers().stream().filter(ClusterMember::alive).count() == 2);
            assertThat(nodeA.clusterMembers()).extracting(ClusterMember::self).containsExactlyInAnyOrder(true, false);
            assertThat(nodeA.clusterMembers()).extracting(ClusterMember::node).containsOnly("node");

            // the device is connected to A and listens to its desired properties there
            List<DesiredPatch> onA = new CopyOnWriteArrayList<>();
            nodeA.twins().subscribeDesired(D1, onA::add);

            Twin patched = get(nodeB.twins().patch(D1, "*", null, JSON.readTree("{\"interval\": 30}")));
            await().atMost(WAIT).until(() -> !onA.isEmpty());
            assertThat(onA.get(0).version()).isEqualTo(patched.desired().version());
            assertThat(onA.get(0).patch().get("interval").asInt()).isEqualTo(30);
            assertThat(nodeA.twins().get(D1).orElseThrow().etag()).isEqualTo(patched.etag());

            // the device reports through A; a service reading through B sees it, at once when it asks A, the owner
            get(nodeA.c2d().send(D1, request("m0"))); // returns once A's claim is through: A owns the device
            Twin reported = get(nodeA.twins().patchReported(D1, JSON.readTree("{\"firmware\": \"2.1\"}")));
            assertThat(get(nodeB.twinsWhereOwned().get(D1)).version()).isEqualTo(reported.version());
            await().atMost(WAIT).until(() -> nodeB.twins().get(D1).orElseThrow().version() == reported.version());
            assertThat(nodeB.twins().get(D1).orElseThrow().reported().values().get("firmware").asText()).isEqualTo("2.1");
            assertThat(onA).hasSize(1); // a reported change is no desired patch

            // a persistent session started on A is there when the device connects to B
            get(nodeA.sessions().put(D1, new DeviceSession(C2dDeliveryMode.AT_LEAST_ONCE)));
            await().atMost(WAIT).until(() -> nodeB.sessions().get(D1).isPresent());
            assertThat(nodeB.sessions().get(D1).orElseThrow().c2dSubscription()).isEqualTo(C2dDeliveryMode.AT_LEAST_ONCE);
            get(nodeB.sessions().remove(D1));
            await().atMost(WAIT).until(() -> nodeA.sessions().get(D1).isEmpty());

            // a consumer group's checkpoint stored through B is read through A
            Checkpoint stored = new Checkpoint("$Default", 1, 42, 4200);
            get(nodeB.events().checkpoint(stored));
            await().atMost(WAIT).until(() -> nodeA.events().checkpoint("$Default", 1).equals(Optional.of(stored)));
        }
    }

    @Test
    void theConnectionStateAndQueueDepthOfADeviceReadThroughAnyNodeAreTheOwningNodes() throws Exception {
        try (TwoNodes nodes = new TwoNodes()) {
            GatewayCore nodeA = nodes.nodeA;
            GatewayCore nodeB = nodes.nodeB;
            DeviceConnections.Registration connection = connectTo(nodeA, D1);
            get(nodeA.c2d().send(D1, request("m0"))); // returns once A's claim is through
            get(nodeB.c2d().send(D1, request("m1")));

            DevicePresence throughB = get(nodeB.presences().of(D1));
            assertThat(throughB.connection().connected()).isTrue();
            assertThat(throughB.cloudToDeviceMessageCount()).isEqualTo(2);
            assertThat(throughB.connection().stateUpdatedTime())
                    .isEqualTo(nodeA.connections().state(D1).stateUpdatedTime());
            // what B knows without asking: nothing of a device owned elsewhere (what lists and queries show)
            assertThat(nodeB.presences().here(D1).connection().connected()).isFalse();

            connection.close();
            DevicePresence afterDisconnect = get(nodeB.presences().of(D1));
            assertThat(afterDisconnect.connection().connected()).isFalse();
            assertThat(afterDisconnect.cloudToDeviceMessageCount()).isEqualTo(2);
            assertThat(get(nodeA.presences().of(D1))).isEqualTo(afterDisconnect);
        }
    }

    @Test
    void listsAndQueriesThroughAnyNodeSeeTheConnectionsAndQueuesOfEveryNode() throws Exception {
        try (TwoNodes nodes = new TwoNodes()) {
            GatewayCore nodeA = nodes.nodeA;
            GatewayCore nodeB = nodes.nodeB;
            DeviceId onB = DeviceId.of("d2");
            // each node asks the nodes it knows alive
            for (GatewayCore node : List.of(nodeA, nodeB)) {
                await().atMost(WAIT).until(() -> node.clusterMembers().stream().filter(ClusterMember::alive).count() == 2);
            }
            DeviceConnections.Registration connection = connectTo(nodeA, D1);
            connectTo(nodeB, onB);
            get(nodeA.c2d().send(D1, request("m0"))); // returns once A's claim is through
            get(nodeB.c2d().send(D1, request("m1")));

            for (GatewayCore through : List.of(nodeA, nodeB)) {
                String node = through == nodeA ? "through A" : "through B";
                Function<DeviceId, DevicePresence> every = get(through.presences().ofEveryDevice());
                assertThat(every.apply(D1).connection().connected()).as(node).isTrue();
                assertThat(every.apply(D1).cloudToDeviceMessageCount()).as(node).isEqualTo(2);
                assertThat(every.apply(onB).connection().connected()).as(node).isTrue();
                assertThat(every.apply(DeviceId.of("never-connected")).connection().connected()).isFalse();
                assertThat(get(through.presences().connectedCount())).as(node).isEqualTo(2);
                // a page of a list asks each node for the page's devices only
                Function<DeviceId, DevicePresence> page = get(through.presences().of(List.of(D1, onB)));
                assertThat(page.apply(D1).connection().connected()).as(node).isTrue();
                assertThat(page.apply(D1).cloudToDeviceMessageCount()).as(node).isEqualTo(2);
                assertThat(page.apply(onB).connection().connected()).as(node).isTrue();
            }

            connection.close();
            Function<DeviceId, DevicePresence> afterDisconnect = get(nodeB.presences().ofEveryDevice());
            assertThat(afterDisconnect.apply(D1).connection().connected()).isFalse();
            assertThat(afterDisconnect.apply(D1).cloudToDeviceMessageCount()).as("still queued on A").isEqualTo(2);
            assertThat(afterDisconnect.apply(D1).connection().stateUpdatedTime())
                    .isEqualTo(nodeA.connections().state(D1).stateUpdatedTime());
            assertThat(get(nodeB.presences().connectedCount())).isEqualTo(1);
            assertThat(get(nodeB.presences().of(List.of(D1))).apply(D1).cloudToDeviceMessageCount()).isEqualTo(2);
        }
    }

    @Test
    void aPollingDeviceSettlesThroughEitherNodeWhatItTookThroughTheOther() throws Exception {
        try (TwoNodes nodes = new TwoNodes()) {
            GatewayCore nodeA = nodes.nodeA;
            GatewayCore nodeB = nodes.nodeB;
            get(nodeA.c2d().send(D1, request("m0"))); // nobody owned D1: A claims it and holds its queue
            get(nodeA.c2d().send(D1, request("m1")));

            Delivery first = get(nodeB.polls().take(D1)).orElseThrow(); // taken on A, where the lock is held
            assertThat(id(first)).isEqualTo("m0");
            get(nodeA.polls().settle(D1, first.lockToken(), PolledInboxes.Settlement.COMPLETE));
            Delivery second = get(nodeA.polls().take(D1)).orElseThrow();
            assertThat(id(second)).isEqualTo("m1");
            get(nodeB.polls().settle(D1, second.lockToken(), PolledInboxes.Settlement.REJECT)); // settled on A
            assertThat(get(nodeB.polls().take(D1))).isEmpty();
            assertThat(get(nodeB.presences().of(D1)).cloudToDeviceMessageCount()).isZero();
            assertThat(nodeB.polls().openInboxes()).isZero();
            // a lock nobody holds any more is lost, through either node
            assertThatThrownBy(() -> get(nodeB.polls().settle(D1, second.lockToken(), PolledInboxes.Settlement.COMPLETE)))
                    .cause().isInstanceOfSatisfying(GatewayException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.LOCK_LOST));
        }
    }

    @Test
    void aModuleConnectedToOneNodeIsSeenConnectedThroughTheOther() throws Exception {
        try (TwoNodes nodes = new TwoNodes()) {
            GatewayCore nodeA = nodes.nodeA;
            GatewayCore nodeB = nodes.nodeB;
            await().atMost(WAIT).until(() -> nodeB.clusterMembers().stream().filter(ClusterMember::alive).count() == 2);
            assertThat(get(nodeB.presences().ofModule(D1, "sensor")).connected()).isFalse();

            DeviceConnections.Registration module = connectTo(nodeA, D1, "sensor");
            assertThat(get(nodeB.presences().ofModule(D1, "sensor")).connected()).isTrue();
            assertThat(get(nodeB.presences().of(D1)).connection().connected()).as("the device itself").isFalse();
            module.close();
            assertThat(get(nodeB.presences().ofModule(D1, "sensor")).connected()).isFalse();
        }
    }

    @Test
    void twoServicesPatchingOneTwinThroughTwoNodesWithTheSameEtagCannotBothPass() throws Exception {
        try (TwoNodes nodes = new TwoNodes()) {
            GatewayCore nodeA = nodes.nodeA;
            GatewayCore nodeB = nodes.nodeB;
            connectTo(nodeA, D1);
            get(nodeA.c2d().send(D1, request("m0"))); // returns once A's claim is through: A owns the device
            for (int round = 0; round < 5; round++) {
                String etag = nodeA.twins().get(D1).orElseThrow().etag();
                List<CompletableFuture<Twin>> patches = List.of(
                        nodeA.twinsWhereOwned().patch(D1, etag, null, desiredBy("a", round)),
                        nodeB.twinsWhereOwned().patch(D1, etag, null, desiredBy("b", round)));
                List<Twin> passed = new ArrayList<>();
                List<GatewayException> refused = new ArrayList<>();
                for (CompletableFuture<Twin> patch : patches) {
                    try {
                        passed.add(get(patch));
                    } catch (ExecutionException e) {
                        refused.add(GatewayException.unwrap(e.getCause()));
                    }
                }
                assertThat(passed).as("round %d", round).hasSize(1);
                assertThat(refused).singleElement()
                        .satisfies(e -> assertThat(e.code()).isEqualTo(ErrorCode.PRECONDITION_FAILED));
                // what a read through either node shows next is the one patch that passed
                Twin winner = passed.get(0);
                await().atMost(WAIT).until(() -> nodeB.twins().get(D1).orElseThrow().etag().equals(winner.etag()));
                assertThat(nodeA.twins().get(D1).orElseThrow().etag()).isEqualTo(winner.etag());
            }
        }
    }

    @Test
    void aDirectMethodInvokedThroughAnyNodeRunsOnTheNodeTheDeviceIsConnectedTo() throws Exception {
        try (TwoNodes nodes = new TwoNodes()) {
            GatewayCore nodeA = nodes.nodeA;
            GatewayCore nodeB = nodes.nodeB;
            // the device connects to A (which claims it) and subscribes to methods there; it answers every call
            DeviceConnections.Registration connection = connectTo(nodeA, D1);
            List<MethodRequest> requests = new CopyOnWriteArrayList<>();
            String large = "{\"log\":\"" + "x".repeat(20_000) + "\"}"; // more than a notification carries
            nodeA.methods().subscribe(connection, request -> {
                requests.add(request);
                nodeA.methods().respond(D1, request.requestId(), 200,
                        body(request.name().equals("dump") ? large : "{\"rebooting\":true}"));
            });
            get(nodeA.c2d().send(D1, request("m0"))); // returns once A's claim is through

            MethodCall call = new MethodCall("reboot", body("{\"delay\":1}"), Duration.ofSeconds(10), Duration.ZERO);
            MethodResult result = get(nodeB.methods().invoke(D1, call));
            assertThat(result.status()).isEqualTo(200);
            assertThat(new String(result.payload(), StandardCharsets.UTF_8)).isEqualTo("{\"rebooting\":true}");
            assertThat(requests).extracting(MethodRequest::name).containsExactly("reboot");
            MethodCall dump = new MethodCall("dump", body("{}"), Duration.ofSeconds(10), Duration.ZERO);
            assertThat(new String(get(nodeB.methods().invoke(D1, dump)).payload(), StandardCharsets.UTF_8)).isEqualTo(large);

            // an invocation waiting on A for a device to connect follows it to B, where it connects and answers
            DeviceId later = DeviceId.of("later");
            get(nodeA.registry().create(later));
            await().atMost(WAIT).until(() -> nodeB.registry().get(later).isPresent());
            get(nodeA.c2d().send(later, request("l0"))); // nobody owned it: A claims it, so A holds the invocation
            CompletableFuture<MethodResult> waiting = nodeA.methods().invoke(later, new MethodCall("ping", body("{}"),
                    Duration.ofSeconds(10), Duration.ofSeconds(20)));
            await().atMost(WAIT).until(() -> nodeA.methods().pendingCount() == 1); // it waits on A
            assertThat(waiting).isNotDone();
            DeviceConnections.Registration onB = connectTo(nodeB, later);
            nodeB.methods().subscribe(onB, request -> nodeB.methods().respond(later, request.requestId(), 202, body("\"pong\"")));
            MethodResult answered = get(waiting);
            assertThat(answered.status()).isEqualTo(202);

            // a device that is nowhere connected: not online, whichever node is asked
            DeviceId offline = DeviceId.of("offline");
            get(nodeA.registry().create(offline));
            await().atMost(WAIT).until(() -> nodeB.registry().get(offline).isPresent());
            assertThatThrownBy(() -> get(nodeB.methods().invoke(offline, call))).hasMessageContaining("not online");
        }
    }

    @Test
    void aReaderWithAHigherOwnerLevelOnOneNodeDisplacesTheReadersOfTheOtherAndALowerOneIsRefused() throws Exception {
        try (TwoNodes nodes = new TwoNodes()) {
            ReceivedEvents onA = new ReceivedEvents();
            nodes.nodeA.events().openReader("$Default", 0, StartPosition.latest(), 1L, onA);
            ReceivedEvents withoutLevel = new ReceivedEvents();
            nodes.nodeA.events().openReader("analytics", 0, StartPosition.latest(), withoutLevel); // another group: stays

            ReceivedEvents onB = new ReceivedEvents();
            nodes.nodeB.events().openReader("$Default", 0, StartPosition.latest(), 2L, onB);
            await().atMost(WAIT).until(() -> onA.takenOver() != null);
            assertThat(onA.takenOver()).contains("owner level 2 on another node");
            assertThat(withoutLevel.takenOver()).isNull();

            // back on A with a lower level: refused once the cluster is asked
            ReceivedEvents lower = new ReceivedEvents();
            nodes.nodeA.events().openReader("$Default", 0, StartPosition.latest(), 1L, lower);
            await().atMost(WAIT).until(() -> lower.takenOver() != null);
            assertThat(lower.takenOver()).contains("owner level 2 on another node");
            assertThat(onB.takenOver()).isNull();
        }
    }

    @Test
    void theQueuesOfANodeThatLeftAreTakenOverByAnotherWithoutAnyDeviceConnecting() throws Exception {
        PostgresSettings shared = ClusterTesting.newSchema(postgres, "node");
        KafkaSettings topic = ClusterTesting.newTopic(kafka, settings.eventPartitions(), "node");
        try (ClusterStore storeB = ClusterStore.open(shared, topic); GatewayCore nodeB = start(storeB)) {
            try (ClusterStore storeA = ClusterStore.open(shared, topic); GatewayCore nodeA = start(storeA)) {
                get(nodeA.registry().create(D1));
                nodeA.c2d().openReceiver(D1, new RecordingSink()); // A owns the device, without credit to deliver
                get(nodeA.c2d().send(D1, request("m1")));
                get(nodeA.c2d().send(D1, request("m2")));
                assertThat(nodeB.c2d().depth(D1)).isZero();
            }
            // A left: B takes the queue over by itself (its expiries and lock timeouts run on B from now on)
            await().atMost(WAIT).until(() -> nodeB.c2d().depth(D1) == 2);
            RecordingSink onB = new RecordingSink();
            nodeB.c2d().openReceiver(D1, onB).addCredit(2);
            assertThat(List.of(id(onB.await(WAIT)), id(onB.await(WAIT)))).containsExactly("m1", "m2");
        }
    }

    /** Two nodes of one hub (one schema, one topic); device D1 created through A and known to B. */
    private final class TwoNodes implements AutoCloseable {
        final PostgresSettings shared = ClusterTesting.newSchema(postgres, "node");
        final KafkaSettings topic = ClusterTesting.newTopic(kafka, settings.eventPartitions(), "node");
        final ClusterStore storeA = ClusterStore.open(shared, topic);
        final ClusterStore storeB = ClusterStore.open(shared, topic);
        final GatewayCore nodeA = start(storeA);
        final GatewayCore nodeB = start(storeB);

        TwoNodes() throws Exception {
            get(nodeA.registry().create(D1));
            await().atMost(WAIT).until(() -> nodeB.registry().get(D1).isPresent());
        }

        private boolean closedB;

        /** Node B stops (cleanly: its queues are left to be claimed). */
        void closeB() {
            if (!closedB) {
                closedB = true;
                nodeB.close();
                storeB.close();
            }
        }

        @Override
        public void close() {
            closeB();
            nodeA.close();
            storeA.close();
        }
    }

    private static JsonNode desiredBy(String node, int round) throws IOException {
        return JSON.readTree("{\"by\": \"" + node + "\", \"round\": " + round + "}");
    }

    /** Registers an MQTT connection of {@code device} on {@code node} that nothing closes but the test. */
    private static DeviceConnections.Registration connectTo(GatewayCore node, DeviceId device) {
        return connectTo(node, device, null);
    }

    /** The same for one of the device's modules ({@code moduleId} null: the device itself). */
    private static DeviceConnections.Registration connectTo(GatewayCore node, DeviceId device, String moduleId) {
        return node.connections().register(device, moduleId, new DeviceConnections.Connection() {
            @Override
            public String protocol() {
                return "MQTT";
            }

            @Override
            public void close(String reason) {
            }
        });
    }

    private static void assertSamePositions(List<D2cEvent> read, List<EventPosition> appended) {
        assertThat(read).extracting(D2cEvent::sequenceNumber)
                .containsExactlyElementsOf(appended.stream().map(EventPosition::sequenceNumber).toList());
        for (int i = 0; i < read.size(); i++) {
            assertThat(read.get(i).offset()).isEqualTo(appended.get(i).offset());
            assertThat(read.get(i).enqueuedTime()).isEqualTo(appended.get(i).enqueuedTime());
        }
    }

    private GatewayCore start(ClusterStore store) {
        return GatewayCore.builder().settings(settings).store(store).clock(clock).shards(2).start();
    }

    private static EventSource source(Device device) {
        return EventSource.of(new DevicePrincipal(device.id(), device.generationId(), null, null));
    }

    private static C2dRequest request(String id) {
        return new C2dRequest(MessageProperties.builder().messageId(id).build(), AckMode.NONE, null, body(id));
    }

    private static C2dRequest fullAck(String id) {
        return new C2dRequest(MessageProperties.builder().messageId(id).build(), AckMode.FULL, null, body(id));
    }

    private static String body(Delivery delivery) {
        return new String(delivery.message().body(), StandardCharsets.UTF_8);
    }

    /**
     * The next feedback message {@code sink} gets, moving the clock a second at a time: the feedback owner collects
     * the records other nodes stored once a second, on the core's clock.
     */
    private Delivery collected(RecordingSink sink) {
        int before = sink.history().size();
        await().atMost(WAIT).until(() -> {
            clock.advance(Duration.ofSeconds(1));
            return sink.history().size() > before;
        });
        return sink.poll();
    }

    /** The feedback queue's owner row names {@code store}'s node (its origin, which is also its record tag). */
    private static boolean ownsFeedback(PostgresSettings database, ClusterStore store) throws Exception {
        try (Connection connection = database.connect();
             PreparedStatement owner = connection.prepareStatement("SELECT origin FROM gatehouse_owner WHERE device = ?")) {
            owner.setString(1, DeviceOwnership.FEEDBACK);
            try (ResultSet row = owner.executeQuery()) {
                return row.next() && row.getString(1).equals(store.state().ownership().recordTag());
            }
        }
    }

    private static byte[] body(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String id(Delivery delivery) {
        return delivery.message().properties().messageId();
    }

    private static <T> T get(CompletableFuture<T> future) throws Exception {
        return future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }
}
