package io.gatehouse.core.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.testing.ManualCore;
import io.gatehouse.core.testing.ManualStore;
import io.gatehouse.core.testing.RecordingSink;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The hub-wide read budget: when many queues with offline backlogs get receivers at once, what is read back
 * ahead of the locked messages stays within its budget and delivery never waits for it; the locked messages read
 * at once stay within theirs, and the queues that found none left deliver as shares come back. All is given back.
 */
class ReadBudgetTest {

    private static final int BUDGET = 10;
    private static final int DEVICES = 3;
    private static final int QUEUED = 30;
    private static final int CREDIT = 4;

    private final ManualStore store = new ManualStore(HubSettings.defaults().eventPartitions());
    private final ManualCore hub = new ManualCore(HubSettings.defaults()
            .with(HubSettings.C2D_READ_AHEAD_MESSAGES.property(), Integer.toString(BUDGET)), store);
    private final CloudToDevice c2d = hub.core.c2d();

    @AfterEach
    void tearDown() {
        hub.close();
    }

    @Test
    void readAheadAcrossQueuesStaysWithinTheBudgetAndDeliveryDoesNotWaitForIt() {
        Map<DeviceId, Receiver> receivers = new TreeMap<>();
        Map<DeviceId, RecordingSink> sinks = new TreeMap<>();
        for (int d = 0; d < DEVICES; d++) {
            DeviceId device = DeviceId.of("d" + d);
            hub.createDevice(device.value());
            for (int i = 0; i < QUEUED; i++) {
                hub.await(c2d.send(device, C2dRequest.of(device + "-m" + i, new byte[] {(byte) i})));
            }
            sinks.put(device, new RecordingSink());
        }
        sinks.forEach((device, sink) -> {
            Receiver receiver = c2d.openReceiver(device, sink);
            receiver.addCredit(CREDIT);
            receivers.put(device, receiver);
        });
        hub.run();

        int read = store.reads().stream().mapToInt(List::size).sum();
        assertThat(read).as("the locked messages, and no more read ahead than the budget")
                .isEqualTo(DEVICES * CREDIT + BUDGET);
        assertThat(c2d.readBudget().availableAhead()).isZero();

        Map<DeviceId, List<String>> delivered = new TreeMap<>();
        for (int round = 0; round < QUEUED * 2; round++) {
            for (Map.Entry<DeviceId, RecordingSink> e : sinks.entrySet()) {
                for (Delivery d : e.getValue().drain()) {
                    delivered.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(d.message().messageId());
                    Receiver receiver = receivers.get(e.getKey());
                    hub.await(receiver.complete(d.lockToken()));
                    receiver.addCredit(1);
                }
            }
            hub.run();
        }

        for (DeviceId device : sinks.keySet()) {
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < QUEUED; i++) {
                expected.add(device + "-m" + i);
            }
            assertThat(delivered.get(device)).as("%s in order, each once", device).isEqualTo(expected);
        }
        assertThat(store.reads().stream().mapToInt(List::size).sum()).as("each message read once")
                .isEqualTo(DEVICES * QUEUED);
        assertThat(c2d.readBudget().availableAhead()).as("all given back").isEqualTo(BUDGET);
    }

    @Test
    void contentDroppedWhenTheReceiversLeaveGivesItsShareBack() {
        DeviceId device = deviceWithBacklog();
        Receiver receiver = c2d.openReceiver(device, new RecordingSink());
        receiver.addCredit(CREDIT);
        hub.run();
        assertThat(c2d.readBudget().availableAhead()).as("twice the credit read ahead").isEqualTo(BUDGET - 2 * CREDIT);

        receiver.close();
        hub.run();

        assertThat(c2d.readBudget().availableAhead()).isEqualTo(BUDGET);
    }

    @Test
    void aMessageLockedWhileItsReadAheadIsUnderWayHoldsItsShareUntilTheReadIsDone() {
        DeviceId device = deviceWithBacklog();
        store.holdReads();
        Receiver receiver = c2d.openReceiver(device, new RecordingSink());
        receiver.addCredit(CREDIT);
        hub.run();
        assertThat(inFlight()).as("the locked messages and twice the credit ahead").isEqualTo(CREDIT + 2 * CREDIT);

        receiver.addCredit(CREDIT); // locks messages whose read ahead is still under way
        hub.run();

        assertThat(inFlight()).as("reads under way: at most the budget ahead beside the locked reads")
                .isLessThanOrEqualTo(BUDGET + CloudToDevice.READS_FOR_DELIVERIES - c2d.readBudget().availableForDeliveries());
        assertThat(c2d.readBudget().availableAhead()).as("the reads under way still hold their shares")
                .isEqualTo(BUDGET - (inFlight() - CREDIT));

        for (int round = 0; round < 10 && store.pendingReads() > 0; round++) {
            store.completeReads();
            hub.run();
        }
        receiver.close();
        hub.run();
        assertThat(c2d.readBudget().availableAhead()).as("all given back").isEqualTo(BUDGET);
    }

    /** A device with {@value #QUEUED} messages queued and no receiver. */
    private DeviceId deviceWithBacklog() {
        DeviceId device = DeviceId.of("d0");
        hub.createDevice(device.value());
        for (int i = 0; i < QUEUED; i++) {
            hub.await(c2d.send(device, C2dRequest.of("m" + i, new byte[] {1})));
        }
        return device;
    }

    /** Messages in the store's reads, none completed yet (reads are held). */
    private int inFlight() {
        return store.reads().stream().mapToInt(List::size).sum();
    }

    @Test
    void lockedMessagesAreReadAFewThousandAtATimeAndEveryQueueGetsItsTurn() {
        ManualStore quiet = new ManualStore(HubSettings.defaults().eventPartitions());
        ManualCore noReadAhead = new ManualCore(HubSettings.defaults()
                .with(HubSettings.C2D_READ_AHEAD_MESSAGES.property(), "0"), quiet);
        try {
            CloudToDevice queues = noReadAhead.core.c2d();
            int devices = CloudToDevice.READS_FOR_DELIVERIES / CREDIT + 25;
            List<DeviceId> ids = new ArrayList<>();
            for (int d = 0; d < devices; d++) {
                DeviceId device = DeviceId.of("d" + d);
                noReadAhead.createDevice(device.value());
                for (int i = 0; i < CREDIT; i++) {
                    noReadAhead.await(queues.send(device, C2dRequest.of(device + "-m" + i, new byte[] {(byte) i})));
                }
                ids.add(device);
            }
            quiet.holdReads();
            List<RecordingSink> sinks = new ArrayList<>();
            for (DeviceId device : ids) {
                RecordingSink sink = new RecordingSink();
                queues.openReceiver(device, sink).addCredit(CREDIT);
                sinks.add(sink);
            }
            noReadAhead.run();
            assertThat(quiet.reads().stream().mapToInt(List::size).sum()).as("read at once")
                    .isEqualTo(CloudToDevice.READS_FOR_DELIVERIES);
            assertThat(queues.readBudget().availableForDeliveries()).isZero();

            for (int round = 0; round < 10 && quiet.pendingReads() > 0; round++) {
                quiet.completeReads();
                noReadAhead.run();
            }

            int delivered = sinks.stream().mapToInt(sink -> sink.drain().size()).sum();
            assertThat(delivered).as("every locked message, the waiting queues' too").isEqualTo(devices * CREDIT);
            assertThat(quiet.reads().stream().mapToInt(List::size).sum()).as("each read once")
                    .isEqualTo(devices * CREDIT);
            assertThat(queues.readBudget().availableForDeliveries()).as("all given back")
                    .isEqualTo(CloudToDevice.READS_FOR_DELIVERIES);
        } finally {
            noReadAhead.close();
        }
    }
}
