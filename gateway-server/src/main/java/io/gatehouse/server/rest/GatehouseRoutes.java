package io.gatehouse.server.rest;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.core.CoreStatistics;
import io.gatehouse.core.GatewayCore;
import io.gatehouse.core.events.D2cEvent;
import io.gatehouse.core.events.EventReader;
import io.gatehouse.core.events.EventStream;
import io.gatehouse.core.events.StartPosition;
import io.gatehouse.core.feedback.FeedbackJson;
import io.gatehouse.core.model.AckMode;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.LockToken;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.queue.C2dRequest;
import io.gatehouse.core.queue.Delivery;
import io.gatehouse.core.queue.DeliverySink;
import io.gatehouse.core.queue.LifecycleCounters;
import io.gatehouse.core.queue.Outcome;
import io.gatehouse.core.queue.QueueStats;
import io.gatehouse.core.queue.Receiver;
import io.gatehouse.core.registry.AccessRight;
import io.netty.handler.codec.http.HttpMethod;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Gatehouse's own endpoints beside IoT Hub's: health, Prometheus metrics, statistics, and a small service
 * API the CLI uses for quick manual work (send a C2D message, take feedback, read events). IoT Hub has no
 * REST for these service operations (they are AMQP); these paths live under {@code /gatehouse/}.
 */
public final class GatehouseRoutes {

    private static final int MAX_WAIT_SECONDS = 60;
    private static final int MAX_EVENTS = 1000;

    private final GatewayCore core;
    private final Supplier<String> metricsScrape;
    private final ScheduledExecutorService timers;

    public GatehouseRoutes(GatewayCore core, Supplier<String> metricsScrape, ScheduledExecutorService timers) {
        this.core = core;
        this.metricsScrape = metricsScrape;
        this.timers = timers;
    }

    public void register(Router router) {
        router.add(HttpMethod.GET, "/health", null, this::health)
                .add(HttpMethod.GET, "/metrics", null, this::metrics)
                .add(HttpMethod.GET, "/gatehouse/statistics", AccessRight.REGISTRY_READ, this::statistics)
                .add(HttpMethod.POST, "/gatehouse/devices/{id}/messages", AccessRight.SERVICE_CONNECT, this::sendC2d)
                .add(HttpMethod.GET, "/gatehouse/feedback", AccessRight.SERVICE_CONNECT, this::takeFeedback)
                .add(HttpMethod.GET, "/gatehouse/events/partitions/{partition}", AccessRight.SERVICE_CONNECT, this::readEvents);
    }

    private CompletableFuture<RestResponse> health(RestRequest request) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("status", "UP");
        node.put("durable", core.isDurable());
        node.put("hubName", core.settings().hubName());
        return done(RestResponse.json(200, Json.bytes(node)));
    }

    private CompletableFuture<RestResponse> metrics(RestRequest request) {
        return done(RestResponse.text(200, "text/plain; version=0.0.4; charset=utf-8", metricsScrape.get()));
    }

    private CompletableFuture<RestResponse> statistics(RestRequest request) {
        return core.c2d().allStats().thenApply(queues -> {
            CoreStatistics stats = core.statistics();
            ObjectNode node = Json.MAPPER.createObjectNode();
            node.put("devices", stats.devices());
            node.put("connectedDevices", stats.connectedDevices());
            ObjectNode d2c = node.putObject("d2c");
            d2c.put("appended", stats.d2cAppended());
            d2c.put("refused", stats.d2cRefused());
            lifecycle(node.putObject("c2d"), stats.c2d(), stats.c2dQueued());
            lifecycle(node.putObject("feedback"), stats.feedback(), stats.feedbackQueued());
            ObjectNode perDevice = node.putObject("queues");
            for (Map.Entry<DeviceId, QueueStats> e : queues.entrySet()) {
                ObjectNode q = perDevice.putObject(e.getKey().value());
                q.put("depth", e.getValue().depth());
                q.put("enqueued", e.getValue().enqueued());
                q.put("locked", e.getValue().locked());
                q.put("receivers", e.getValue().receivers());
            }
            return RestResponse.json(200, Json.bytes(node));
        });
    }

    private static void lifecycle(ObjectNode node, LifecycleCounters.Snapshot s, long queued) {
        node.put("queued", queued);
        node.put("enqueued", s.enqueued());
        node.put("refused", s.refused());
        node.put("delivered", s.delivered());
        node.put("abandoned", s.abandoned());
        node.put("lockTimeouts", s.lockTimeouts());
        for (Outcome outcome : Outcome.values()) {
            node.put(camel(outcome.name()), s.ended(outcome));
        }
    }

    /**
     * Sends a C2D message: the body is the message body; headers {@code iothub-messageid},
     * {@code iothub-correlationid}, {@code iothub-userid}, {@code iothub-ack}, {@code iothub-expiry} (ISO-8601
     * instant), {@code Content-Type}, {@code Content-Encoding}, and {@code iothub-app-NAME} for each
     * application property NAME (IoT Hub's HTTPS header conventions).
     */
    private CompletableFuture<RestResponse> sendC2d(RestRequest request) {
        DeviceId device = RegistryRoutes.deviceId(request);
        MessageProperties.Builder properties = MessageProperties.builder()
                .messageId(request.header("iothub-messageid"))
                .correlationId(request.header("iothub-correlationid"))
                .userId(request.header("iothub-userid"))
                .contentType(request.header("Content-Type"))
                .contentEncoding(request.header("Content-Encoding"));
        request.headers().forEach(h -> {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (name.startsWith("iothub-app-") && name.length() > "iothub-app-".length()) {
                properties.put(h.getKey().substring("iothub-app-".length()), h.getValue());
            }
        });
        AckMode ack;
        Instant expiry;
        try {
            ack = AckMode.parse(request.header("iothub-ack"));
            String expiryText = request.header("iothub-expiry");
            expiry = expiryText == null ? null : Instant.parse(expiryText);
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw RestException.badRequest(e.getMessage());
        }
        return core.c2d().send(device, new C2dRequest(properties.build(), ack, expiry, request.body()))
                .thenApply(id -> {
                    ObjectNode node = Json.MAPPER.createObjectNode();
                    node.put("messageId", id);
                    return RestResponse.json(201, Json.bytes(node));
                });
    }

    /**
     * Takes (receives and completes) one feedback message, waiting up to {@code waitSeconds} (default 0):
     * 200 with the message id and its records, or 204 when none arrived.
     */
    private CompletableFuture<RestResponse> takeFeedback(RestRequest request) {
        int waitSeconds = intParameter(request, "waitSeconds", 0, 0, MAX_WAIT_SECONDS);
        CompletableFuture<RestResponse> result = new CompletableFuture<>();
        Receiver[] receiver = new Receiver[1];
        receiver[0] = core.feedback().openReceiver(new DeliverySink() {
            @Override
            public void deliver(Delivery delivery) {
                receiver[0].complete(delivery.lockToken()).whenComplete((ok, failure) -> {
                    receiver[0].close();
                    if (failure != null) {
                        result.completeExceptionally(failure);
                        return;
                    }
                    ObjectNode node = Json.MAPPER.createObjectNode();
                    node.put("messageId", delivery.message().messageId());
                    node.put("enqueuedTime", delivery.message().enqueuedTime().toString());
                    node.set("records", Json.MAPPER.valueToTree(recordsOf(delivery)));
                    result.complete(RestResponse.json(200, Json.bytes(node)));
                });
            }

            @Override
            public void lockLost(LockToken lockToken) {
                // the lock lasts a minute; the wait is shorter
            }
        });
        receiver[0].addCredit(1);
        timers.schedule(() -> {
            if (!result.isDone()) {
                receiver[0].close();
                result.complete(RestResponse.noContent());
            }
        }, waitSeconds == 0 ? 200 : TimeUnit.SECONDS.toMillis(waitSeconds), TimeUnit.MILLISECONDS);
        return result;
    }

    private static Object recordsOf(Delivery delivery) {
        try {
            return Json.MAPPER.readTree(delivery.message().body());
        } catch (java.io.IOException e) {
            return FeedbackJson.decode(delivery.message().body());
        }
    }

    /**
     * Reads events of one partition from sequence number {@code from} (default: the oldest), at most
     * {@code max} (default 100), waiting up to {@code waitSeconds} for the first one.
     */
    private CompletableFuture<RestResponse> readEvents(RestRequest request) {
        int partition = intParameter(request.pathParameter("partition"), "partition", 0, core.events().partitionCount() - 1);
        int max = intParameter(request, "max", 100, 1, MAX_EVENTS);
        int waitSeconds = intParameter(request, "waitSeconds", 0, 0, MAX_WAIT_SECONDS);
        String fromText = request.query("from", null);
        StartPosition start = fromText == null ? StartPosition.earliest()
                : new StartPosition.FromSequenceNumber(longParameter(fromText, "from"), true);
        String group = request.query("consumerGroup", EventStream.DEFAULT_CONSUMER_GROUP);
        List<D2cEvent> events = new ArrayList<>();
        CompletableFuture<RestResponse> result = new CompletableFuture<>();
        EventReader[] reader = new EventReader[1];
        Runnable finish = () -> {
            if (!result.isDone()) {
                reader[0].close();
                List<D2cEvent> taken;
                synchronized (events) {
                    taken = List.copyOf(events);
                }
                result.complete(RestResponse.json(200, Json.bytes(eventsJson(taken))));
            }
        };
        reader[0] = core.events().openReader(group, partition, start, event -> {
            int count;
            synchronized (events) {
                events.add(event);
                count = events.size();
            }
            if (count == 1) {
                // more may be ready right behind the first: take what arrives within a moment
                timers.schedule(finish, 50, TimeUnit.MILLISECONDS);
            }
            if (count >= max) {
                finish.run();
            }
        });
        reader[0].addCredit(max);
        timers.schedule(finish, waitSeconds == 0 ? 200 : TimeUnit.SECONDS.toMillis(waitSeconds), TimeUnit.MILLISECONDS);
        return result;
    }

    private static ArrayNode eventsJson(List<D2cEvent> events) {
        ArrayNode array = Json.MAPPER.createArrayNode();
        for (D2cEvent e : events) {
            ObjectNode node = array.addObject();
            node.put("partition", e.partition());
            node.put("sequenceNumber", e.sequenceNumber());
            node.put("offset", Long.toString(e.offset()));
            node.put("enqueuedTime", e.enqueuedTime().toString());
            node.put("deviceId", e.source().deviceId().value());
            ObjectNode system = node.putObject("systemProperties");
            putIfSet(system, "messageId", e.properties().messageId());
            putIfSet(system, "correlationId", e.properties().correlationId());
            putIfSet(system, "userId", e.properties().userId());
            putIfSet(system, "contentType", e.properties().contentType());
            putIfSet(system, "contentEncoding", e.properties().contentEncoding());
            putIfSet(system, "creationTimeUtc", e.properties().creationTimeUtc());
            ObjectNode app = node.putObject("properties");
            e.properties().application().forEach(app::put);
            String text = utf8(e.body());
            if (text != null) {
                node.put("body", text);
            } else {
                node.put("bodyBase64", Base64.getEncoder().encodeToString(e.body()));
            }
        }
        return array;
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static void putIfSet(ObjectNode node, String field, String value) {
        if (value != null) {
            node.put(field, value);
        }
    }

    private static int intParameter(RestRequest request, String name, int fallback, int min, int max) {
        String text = request.query(name, null);
        return text == null ? fallback : intParameter(text, name, min, max);
    }

    private static int intParameter(String text, String name, int min, int max) {
        try {
            int value = Integer.parseInt(text);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw RestException.badRequest(name + " must be an integer from " + min + " to " + max);
    }

    private static long longParameter(String text, String name) {
        try {
            long value = Long.parseLong(text);
            if (value >= 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw RestException.badRequest(name + " must be a non-negative integer");
    }

    private static String camel(String constant) {
        StringBuilder out = new StringBuilder();
        boolean upper = false;
        for (char c : constant.toLowerCase(Locale.ROOT).toCharArray()) {
            if (c == '_') {
                upper = true;
            } else {
                out.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return out.toString();
    }

    private static CompletableFuture<RestResponse> done(RestResponse response) {
        return CompletableFuture.completedFuture(response);
    }
}
