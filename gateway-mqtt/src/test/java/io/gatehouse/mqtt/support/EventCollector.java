package io.gatehouse.mqtt.support;

import io.gatehouse.core.GatewayCore;
import io.gatehouse.core.events.D2cEvent;
import io.gatehouse.core.events.EventReader;
import io.gatehouse.core.events.EventStream;
import io.gatehouse.core.events.StartPosition;
import io.gatehouse.core.model.DeviceId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** The stored D2C events of one device, read from its partition like a back-end service would. */
public final class EventCollector implements AutoCloseable {

    private final BlockingQueue<D2cEvent> events = new LinkedBlockingQueue<>();
    private final EventReader reader;

    EventCollector(GatewayCore core, DeviceId device) {
        int partition = core.events().partitionFor(device);
        reader = core.events().openReader(EventStream.DEFAULT_CONSUMER_GROUP, partition, StartPosition.earliest(), event -> {
            if (event.source().deviceId().equals(device)) {
                events.add(event);
            }
        });
        reader.addCredit(1_000_000);
    }

    /** The next event, waiting up to 10 s. */
    public D2cEvent next() throws InterruptedException {
        D2cEvent event = events.poll(10, TimeUnit.SECONDS);
        if (event == null) {
            throw new AssertionError("no stored event within 10 s");
        }
        return event;
    }

    public List<D2cEvent> next(int count) throws InterruptedException {
        List<D2cEvent> list = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            list.add(next());
        }
        return list;
    }

    /** Events already read and not yet taken (the stream is read in the background). */
    public List<D2cEvent> drain() {
        List<D2cEvent> list = new ArrayList<>();
        events.drainTo(list);
        return list;
    }

    public D2cEvent poll(Duration timeout) throws InterruptedException {
        return events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        reader.close();
    }
}
