package io.gatehouse.mqtt.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.twin.DesiredSubscription;
import io.gatehouse.core.twin.DeviceTwins;
import io.gatehouse.core.twin.Twin;
import io.gatehouse.core.twin.TwinJson;
import io.gatehouse.mqtt.topic.IotHubTopics;
import io.gatehouse.mqtt.topic.TopicAddress;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Device twins over MQTT for one connection: GET answers {@code 200} with the twin's properties, a reported patch
 * answers {@code 204} with the new {@code $version} once durable, a refused one its IoT Hub status (400, 413, ...);
 * after SUBSCRIBE to the desired filter, desired patches are published as they become durable, each version once.
 * Answers and patches go out at QoS 0 (they are not stored: a device that misses one reads its twin again, as the
 * SDKs do on reconnect). Event-loop confined; core callbacks hop onto the loop.
 */
public final class TwinFlow implements TopicFlow {

    private static final Logger log = LoggerFactory.getLogger(TwinFlow.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DeviceTwins twins;
    private final DeviceId device;
    private final Outbound out;
    private final ConnectionControl connection;
    private final EventExecutor loop;
    private DesiredSubscription desired;

    public TwinFlow(DeviceTwins twins, DeviceId device, Outbound out, ConnectionControl connection, EventExecutor loop) {
        this.twins = twins;
        this.device = device;
        this.out = out;
        this.connection = connection;
        this.loop = loop;
    }

    @Override
    public void onPublish(MqttPublishMessage publish, TopicAddress topic) {
        byte[] payload = Publishes.acknowledge(publish, out);
        onRequest(IotHubTopics.parse(publish.variableHeader().topicName()), payload);
    }

    @Override
    public MqttQoS onSubscribe(String filter, MqttQoS requested) {
        if (filter.equals(IotHubTopics.DESIRED_FILTER)) {
            subscribeDesired();
            return Publishes.grant(requested);
        }
        if (filter.equals(IotHubTopics.TWIN_RESPONSES_FILTER)) {
            return Publishes.grant(requested); // answers go to the requester whatever it subscribed
        }
        Subscriptions.logRefused(device, filter, "not a twin topic a device subscribes to");
        return MqttQoS.FAILURE;
    }

    @Override
    public void onUnsubscribe(String filter) {
        if (filter.equals(IotHubTopics.DESIRED_FILTER)) {
            unsubscribeDesired();
        }
    }

    /** A request on a {@code $iothub/twin/} topic. A request without {@code $rid} cannot be answered: it closes. */
    void onRequest(IotHubTopics.Request request, byte[] payload) {
        if (request.requestId() == null) {
            connection.close("twin request without $rid");
            return;
        }
        if (request instanceof IotHubTopics.TwinGet get) {
            Twin twin = twins.get(device).orElse(null);
            if (twin == null) {
                answer(ErrorCode.DEVICE_NOT_FOUND.status(), get.requestId(), null, new byte[0]);
            } else {
                answer(200, get.requestId(), null, TwinJson.device(twin).toString().getBytes(StandardCharsets.UTF_8));
            }
        } else if (request instanceof IotHubTopics.ReportedPatch patch) {
            patchReported(patch.requestId(), payload);
        } else {
            log.info("Device {}: twin request on an unknown topic answered 400", device);
            answer(400, request.requestId(), null, new byte[0]);
        }
    }

    private void patchReported(String requestId, byte[] payload) {
        JsonNode patch;
        try {
            patch = JSON.readTree(payload);
        } catch (IOException e) {
            patch = null;
        }
        if (patch == null || !patch.isObject()) {
            log.info("Device {}: reported properties refused (400): the payload is not a JSON object", device);
            answer(400, requestId, null, new byte[0]);
            return;
        }
        twins.patchReported(device, patch).whenComplete((twin, failure) -> loop.execute(() -> {
            if (failure != null) {
                log.info("Device {}: reported properties refused ({}): {}", device, ErrorCode.statusOf(failure), failure.getMessage());
                answer(ErrorCode.statusOf(failure), requestId, null, new byte[0]);
            } else {
                answer(204, requestId, twin.reported().version(), new byte[0]);
            }
        }));
    }

    /** SUBSCRIBE to {@code $iothub/twin/PATCH/properties/desired/#}: patches from now on. */
    private void subscribeDesired() {
        if (desired == null) {
            desired = twins.subscribeDesired(device, patch -> loop.execute(() ->
                    publish(IotHubTopics.desiredPatch(patch.version()), patch.toJson().toString().getBytes(StandardCharsets.UTF_8))));
        }
    }

    private void unsubscribeDesired() {
        if (desired != null) {
            desired.close();
            desired = null;
        }
    }

    @Override
    public void stop() {
        unsubscribeDesired();
    }

    private void answer(int status, String requestId, Long version, byte[] body) {
        publish(IotHubTopics.twinResponse(status, requestId, version), body);
    }

    private void publish(String topic, byte[] body) {
        Publishes.atMostOnce(out, connection, topic, body);
    }
}
