package io.gatehouse.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.core.GatewayCore;
import io.gatehouse.core.events.D2cEvent;
import io.gatehouse.core.events.EventReader;
import io.gatehouse.core.events.EventStream;
import io.gatehouse.core.events.StartPosition;
import io.gatehouse.core.feedback.FeedbackJson;
import io.gatehouse.core.feedback.AckMode;
import io.gatehouse.core.model.LockToken;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.queue.C2dRequest;
import io.gatehouse.core.queue.Delivery;
import io.gatehouse.core.queue.DeliverySink;
import io.gatehouse.core.queue.Receiver;
import io.gatehouse.core.registry.AccessRight;
import io.netty.handler.codec.http.HttpMethod;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

/**
 * A small service API beside IoT Hub's, for the CLI and quick manual work: send a C2D message, take feedback,
 * read events. IoT Hub offers these service operations over AMQP only, so the paths live under
 * {@code /gatehouse/}.
 */
public final class ServiceRoutes {

    private static final int MAX_WAIT_SECONDS = 60;
    private static final int MAX_EVENTS = 1000;
    /** Without a wait, a poll still gives what is ready right now this long to arrive. */
    private static final Duration NO_WAIT = Duration.ofMillis(200);
    /** Events often come in bursts: after the first, collect what follows within this time. */
    private static final Duration BURST = Duration.ofMillis(50);

    private final GatewayCore core;
    private final ScheduledExecutorService timers;

    public ServiceRoutes(GatewayCore core, ScheduledExecutorService timers) {
        this.core = core;
        this.timers = timers;
    }

    public void register(Router router) {
        router.add(HttpMethod.POST, "/gatehouse/devices/{id}/messages", AccessRight.SERVICE_CONNECT, this::sendC2d)
                .add(HttpMethod.GET, "/gatehouse/feedback", AccessRight.SERVICE_CONNECT, this::takeFeedback)
                .add(HttpMethod.GET, "/gatehouse/events/partitions/{partition}", AccessRight.SERVICE_CONNECT, this::readEvents);
    }

    /**
     * Sends a C2D message: the body is the message body; headers {@code iothub-messageid},
     * {@code iothub-correlationid}, {@code iothub-userid}, {@code iothub-ack}, {@code iothub-expiry} (ISO-8601
     * instant), {@code Content-Type}, {@code Content-Encoding}, and {@code iothub-app-NAME} for each
     * application property NAME (IoT Hub's HTTPS header conventions).
     */
    private CompletableFuture<RestResponse> sendC2d(RestRequest request) {
        MessageProperties.Builder properties = MessageHeaders.read(request.headers())
                .contentType(request.header("Content-Type"))
                .contentEncoding(request.header("Content-Encoding"));
        AckMode ack;
        Instant expiry;
        try {
            ack = AckMode.parse(request.header("iothub-ack"));
            String expiryText = request.header("iothub-expiry");
            expiry = expiryText == null ? null : Instant.parse(expiryText);
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw RestException.badRequest(e.getMessage());
        }
        return core.c2d().send(request.deviceId(), new C2dRequest(properties.build(), ack, expiry, request.body()))
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
        LongPoll poll = LongPoll.waiting(timers, waitOf(request), RestResponse::noContent);
        FeedbackTake take = new FeedbackTake(poll);
        take.receiver = core.feedback().openReceiver(take);
        poll.releasing(take.receiver::close);
        take.receiver.addCredit(1);
        return poll.response();
    }

    /**
     * Completes the one feedback message it is given and answers the poll with it. A message that arrives after the
     * poll's wait was over is left alone: completing it would remove it with nobody to tell, while the receiver
     * closing gives it back to the queue.
     */
    static final class FeedbackTake implements DeliverySink {

        private final LongPoll poll;
        volatile Receiver receiver;

        FeedbackTake(LongPoll poll) {
            this.poll = poll;
        }

        @Override
        public void deliver(Delivery delivery) {
            if (!poll.take()) {
                return;
            }
            receiver.complete(delivery.lockToken()).whenComplete((ok, failure) -> {
                if (failure != null) {
                    poll.failTaken(failure);
                } else {
                    poll.answerTaken(() -> feedbackResponse(delivery));
                }
            });
        }

        @Override
        public void lockLost(LockToken lockToken) {
            // the lock lasts a minute; the longest wait is shorter
        }
    }

    private static RestResponse feedbackResponse(Delivery delivery) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("messageId", delivery.message().messageId());
        node.put("enqueuedTime", delivery.message().enqueuedTime().toString());
        node.set("records", recordsOf(delivery));
        return RestResponse.json(200, Json.bytes(node));
    }

    private static JsonNode recordsOf(Delivery delivery) {
        try {
            return Json.MAPPER.readTree(delivery.message().body());
        } catch (IOException e) {
            return Json.MAPPER.valueToTree(FeedbackJson.decode(delivery.message().body()));
        }
    }

    /**
     * Reads events of one partition from sequence number {@code from} (default: the oldest), at most
     * {@code max} (default 100), waiting up to {@code waitSeconds} for the first one.
     */
    private CompletableFuture<RestResponse> readEvents(RestRequest request) {
        int partition = request.intPathParameter("partition", 0, core.events().partitionCount() - 1);
        int max = request.intQuery("max", 100, 1, MAX_EVENTS);
        long from = request.longQuery("from", -1);
        StartPosition start = from < 0 ? StartPosition.earliest() : new StartPosition.FromSequenceNumber(from, true);
        String group = request.query("consumerGroup", EventStream.DEFAULT_CONSUMER_GROUP);
        List<D2cEvent> events = new ArrayList<>();
        Supplier<RestResponse> page = () -> {
            synchronized (events) {
                return RestResponse.json(200, Json.bytes(EventJson.of(List.copyOf(events))));
            }
        };
        LongPoll poll = LongPoll.waiting(timers, waitOf(request), page);
        EventReader reader = core.events().openReader(group, partition, start, event -> {
            int count;
            synchronized (events) {
                events.add(event);
                count = events.size();
            }
            if (count == 1) {
                poll.answerAfter(BURST, page);
            }
            if (count >= max) {
                poll.answer(page);
            }
        });
        poll.releasing(reader::close);
        reader.addCredit(max);
        return poll.response();
    }

    private static Duration waitOf(RestRequest request) {
        int seconds = request.intQuery("waitSeconds", 0, 0, MAX_WAIT_SECONDS);
        return seconds == 0 ? NO_WAIT : Duration.ofSeconds(seconds);
    }
}
