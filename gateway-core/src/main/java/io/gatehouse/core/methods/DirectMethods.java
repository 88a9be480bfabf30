package io.gatehouse.core.methods;

import io.gatehouse.core.exec.Shard;
import io.gatehouse.core.exec.ShardGroup;
import io.gatehouse.core.exec.Timer;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.ownership.DeviceOwners;
import io.gatehouse.core.ownership.OwnerCalls;
import io.gatehouse.core.registry.DeviceRegistry;
import io.gatehouse.core.session.DeviceConnections.Registration;
import io.gatehouse.core.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Direct methods: an invocation goes to the device's current connection when that connection subscribed to
 * methods, waiting up to the connect timeout for one to appear; the device's answer is matched by request id, or
 * the invocation fails when the response timeout passes. Nothing is queued beyond those timeouts and nothing is
 * stored (as in IoT Hub). Each device's invocations live on that device's shard, timers included.
 */
public final class DirectMethods {

    private static final Logger log = LoggerFactory.getLogger(DirectMethods.class);
    /** What a node forwarding an invocation waits beyond its timeouts for the owner's answer. */
    private static final Duration FORWARDING_MARGIN = Duration.ofSeconds(5);

    private final ShardGroup shards;
    private final DeviceRegistry registry;
    private final Clock clock;
    private final DeviceOwners owners;
    // each entry is only touched on its device's shard; the maps are shared by the shards
    private final Map<DeviceId, MethodSubscription> subscriptions = new ConcurrentHashMap<>();
    private final Map<DeviceId, List<Waiting>> waiting = new ConcurrentHashMap<>();
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();

    private static final class Waiting {
        final MethodCall call;
        final CompletableFuture<MethodResult> result;
        final long connectDeadline;
        Timer timer;

        Waiting(MethodCall call, CompletableFuture<MethodResult> result, long connectDeadline) {
            this.call = call;
            this.result = result;
            this.connectDeadline = connectDeadline;
        }
    }

    private record Pending(DeviceId device, String method, CompletableFuture<MethodResult> result, Timer[] timer) {
    }

    public DirectMethods(ShardGroup shards, DeviceRegistry registry, Clock clock, DeviceOwners owners) {
        this.shards = shards;
        this.registry = registry;
        this.clock = clock;
        this.owners = owners;
    }

    /** The connection of {@code registration} takes its device's method invocations from now on. */
    public MethodSubscription subscribe(Registration registration, MethodSink sink) {
        MethodSubscription subscription = new MethodSubscription(this, registration, sink);
        DeviceId device = registration.device();
        shard(device).execute(() -> {
            subscriptions.put(device, subscription);
            List<Waiting> ready = waiting.remove(device);
            if (ready != null) {
                for (Waiting w : ready) {
                    w.timer.cancel();
                    dispatch(device, subscription, w.call, w.result);
                }
            }
        });
        return subscription;
    }

    void unsubscribe(MethodSubscription subscription) {
        DeviceId device = subscription.registration().device();
        shard(device).execute(() -> subscriptions.remove(device, subscription));
    }

    /**
     * Invokes a method. Fails with DEVICE_NOT_FOUND, DEVICE_NOT_ONLINE (no subscribed connection within the
     * connect timeout) or GATEWAY_TIMEOUT (no answer within the response timeout). With nodes sharing the store, the
     * invocation runs on the node the device is connected to (the node that owns it).
     */
    public CompletableFuture<MethodResult> invoke(DeviceId device, MethodCall call) {
        Duration answerWithin = call.connectTimeout().plus(call.responseTimeout()).plus(FORWARDING_MARGIN);
        return owners.whereOwned(device, () -> OwnerCalls.method(call), answerWithin, () -> invokeHere(device, call),
                OwnerCalls::methodResult);
    }

    /** Invokes a method on a connection of this node (or waits here for the device to connect). */
    public CompletableFuture<MethodResult> invokeHere(DeviceId device, MethodCall call) {
        CompletableFuture<MethodResult> result = new CompletableFuture<>();
        shard(device).execute(() -> start(device, call, result));
        return result;
    }

    /** A device's answer; one that no invocation waits for (late, unknown, another device's) is dropped. */
    public void respond(DeviceId device, String requestId, int status, byte[] payload) {
        shard(device).execute(() -> {
            Pending p = requestId == null ? null : pending.get(requestId);
            if (p == null || !p.device().equals(device)) {
                log.info("Dropped the answer of device {} to method request {}: no invocation waits for it (late or unknown)",
                        device, requestId);
                return;
            }
            pending.remove(requestId);
            p.timer()[0].cancel();
            p.result().complete(new MethodResult(status, payload));
        });
    }

    /**
     * The device connected to another node sharing the store, which owns it now: the invocations waiting here for it
     * to connect go there, with what is left of their connect timeouts.
     */
    public void deviceMoved(DeviceId device) {
        shard(device).execute(() -> {
            List<Waiting> moved = waiting.remove(device);
            if (moved == null) {
                return;
            }
            for (Waiting w : moved) {
                w.timer.cancel();
                Duration left = Duration.ofMillis(Math.max(0, w.connectDeadline - clock.millis()));
                MethodCall rest = new MethodCall(w.call.name(), w.call.payload(), w.call.responseTimeout(), left);
                invoke(device, rest).whenComplete((answer, failure) -> {
                    if (failure == null) {
                        w.result.complete(answer);
                    } else {
                        w.result.completeExceptionally(failure);
                    }
                });
            }
        });
    }

    /** Invocations waiting for an answer or for the device to connect. */
    public int pendingCount() {
        return pending.size() + waiting.values().stream().mapToInt(List::size).sum();
    }

    private void start(DeviceId device, MethodCall call, CompletableFuture<MethodResult> result) {
        if (registry.get(device).isEmpty()) {
            result.completeExceptionally(new GatewayException(ErrorCode.DEVICE_NOT_FOUND, "device " + device + " does not exist"));
            return;
        }
        MethodSubscription live = live(device);
        if (live != null) {
            dispatch(device, live, call, result);
            return;
        }
        if (call.connectTimeout().isZero() || call.connectTimeout().isNegative()) {
            result.completeExceptionally(notOnline(device));
            return;
        }
        Waiting w = new Waiting(call, result, clock.millis() + call.connectTimeout().toMillis());
        waiting.computeIfAbsent(device, d -> new ArrayList<>()).add(w);
        w.timer = shard(device).schedule(w.connectDeadline, () -> {
            List<Waiting> list = waiting.get(device);
            if (list != null && list.remove(w)) {
                if (list.isEmpty()) {
                    waiting.remove(device);
                }
                w.result.completeExceptionally(notOnline(device));
            }
        });
    }

    private void dispatch(DeviceId device, MethodSubscription subscription, MethodCall call,
                          CompletableFuture<MethodResult> result) {
        String requestId = UUID.randomUUID().toString();
        Timer[] timer = new Timer[1];
        pending.put(requestId, new Pending(device, call.name(), result, timer));
        timer[0] = shard(device).schedule(clock.millis() + call.responseTimeout().toMillis(), () -> {
            if (pending.remove(requestId) != null) {
                result.completeExceptionally(new GatewayException(ErrorCode.GATEWAY_TIMEOUT,
                        "device " + device + " did not answer method '" + call.name() + "' within "
                                + call.responseTimeout().toSeconds() + " s"));
            }
        });
        subscription.sink().invoke(new MethodRequest(requestId, call.name(), call.payload()));
    }

    private MethodSubscription live(DeviceId device) {
        MethodSubscription subscription = subscriptions.get(device);
        return subscription != null && subscription.isLive() ? subscription : null;
    }

    private Shard shard(DeviceId device) {
        return shards.shardFor(device);
    }

    private static GatewayException notOnline(DeviceId device) {
        return new GatewayException(ErrorCode.DEVICE_NOT_ONLINE,
                "device " + device + " is not online or has not subscribed to direct methods");
    }
}
