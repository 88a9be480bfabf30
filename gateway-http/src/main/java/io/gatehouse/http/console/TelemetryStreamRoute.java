package io.gatehouse.http.console;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.core.GatewayCore;
import io.gatehouse.core.events.D2cEvent;
import io.gatehouse.core.events.EventReader;
import io.gatehouse.core.events.EventSink;
import io.gatehouse.core.events.EventStream;
import io.gatehouse.core.events.StartPosition;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.registry.AccessRight;
import io.gatehouse.http.EventJson;
import io.gatehouse.http.RestException;
import io.gatehouse.http.RestRequest;
import io.gatehouse.http.Router;
import io.gatehouse.http.ServerSentEvents;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

/**
 * {@code GET /gatehouse/events/stream[?deviceId=ID]}: D2C events as server-sent events ({@code telemetry}, one
 * JSON event each) from the moment the stream opens, of one device or all. ServiceConnect, like reading events;
 * the token may come in the {@code sas} query parameter because a browser's EventSource cannot send headers.
 *
 * <p>Each partition's reader holds at most {@link #WINDOW} events of credit; an event's credit returns only once
 * the channel can take more, so a slow client stops the readers instead of filling memory. The readers close
 * when the client goes away.
 */
public final class TelemetryStreamRoute {

    static final int WINDOW = 32;

    private final GatewayCore core;
    private final AtomicInteger openStreams = new AtomicInteger();

    public TelemetryStreamRoute(GatewayCore core) {
        this.core = core;
    }

    public void register(Router router) {
        router.addEventStream("/gatehouse/events/stream", AccessRight.SERVICE_CONNECT, this::open);
    }

    /** Streams now open (each holds readers of the event stream). */
    public int openStreams() {
        return openStreams.get();
    }

    private void open(RestRequest request, ServerSentEvents stream) {
        DeviceId device = deviceOf(request);
        int[] partitions = device != null ? new int[] {core.events().partitionFor(device)}
                : IntStream.range(0, core.events().partitionCount()).toArray();
        List<Feed> feeds = new ArrayList<>();
        for (int partition : partitions) {
            Feed feed = new Feed(stream, device);
            feed.reader = core.events().openReader(EventStream.DEFAULT_CONSUMER_GROUP, partition,
                    StartPosition.latest(), feed);
            feeds.add(feed);
        }
        openStreams.incrementAndGet();
        stream.onEnd(() -> {
            feeds.forEach(feed -> feed.reader.close());
            openStreams.decrementAndGet();
        });
        feeds.forEach(feed -> feed.reader.addCredit(WINDOW));
        ObjectNode ready = JsonNodeFactory.instance.objectNode();
        ready.put("deviceId", device == null ? null : device.value());
        ready.put("partitions", partitions.length);
        stream.send("ready", ready.toString());
    }

    /** The device asked for, or null for all; 400 when it is not an id, 404 when no such device is registered. */
    private DeviceId deviceOf(RestRequest request) {
        String id = request.query("deviceId", "").trim();
        if (id.isEmpty()) {
            return null;
        }
        if (!DeviceId.isValid(id)) {
            throw RestException.badRequest("'" + id + "' is not a valid device id");
        }
        DeviceId device = DeviceId.of(id);
        if (core.registry().get(device).isEmpty()) {
            throw new RestException(404, "DeviceNotFound", "device " + id + " does not exist");
        }
        return device;
    }

    /** One partition's events into the stream, filtered to one device when asked. */
    private static final class Feed implements EventSink {

        private final ServerSentEvents stream;
        private final DeviceId device;
        private volatile EventReader reader;

        Feed(ServerSentEvents stream, DeviceId device) {
            this.stream = stream;
            this.device = device;
        }

        @Override
        public void onEvent(D2cEvent event) {
            if (device != null && !device.equals(event.source().deviceId())) {
                reader.addCredit(1);
                return;
            }
            stream.send("telemetry", EventJson.of(event).toString());
            stream.whenWritable(() -> reader.addCredit(1));
        }
    }
}
