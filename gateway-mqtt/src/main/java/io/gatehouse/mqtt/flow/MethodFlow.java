package io.gatehouse.mqtt.flow;

import io.gatehouse.core.methods.DirectMethods;
import io.gatehouse.core.methods.MethodSubscription;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.session.DeviceConnections.Registration;
import io.gatehouse.mqtt.topic.IotHubTopics;
import io.gatehouse.mqtt.topic.TopicAddress;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.util.concurrent.EventExecutor;

/**
 * Direct methods over MQTT for one connection: after SUBSCRIBE to {@code $iothub/methods/POST/#} invocations are
 * published on {@code $iothub/methods/POST/{name}/?$rid={rid}} (QoS 0: methods are not queued), and the device's
 * answers on {@code $iothub/methods/res/{status}/?$rid={rid}} go to the core, which drops late or unknown ones
 * with a log line. Event-loop confined; core callbacks hop onto the loop.
 */
public final class MethodFlow implements TopicFlow {

    private final DirectMethods methods;
    private final DeviceId device;
    private final Registration registration;
    private final Outbound out;
    private final ConnectionControl connection;
    private final EventExecutor loop;
    private MethodSubscription subscription;

    public MethodFlow(DirectMethods methods, DeviceId device, Registration registration, Outbound out,
                      ConnectionControl connection, EventExecutor loop) {
        this.methods = methods;
        this.device = device;
        this.registration = registration;
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
        if (filter.equals(IotHubTopics.METHODS_FILTER)) {
            subscribe();
            return Publishes.grant(requested);
        }
        Subscriptions.logRefused(device, filter, "not a method topic a device subscribes to");
        return MqttQoS.FAILURE;
    }

    @Override
    public void onUnsubscribe(String filter) {
        if (filter.equals(IotHubTopics.METHODS_FILTER)) {
            unsubscribe();
        }
    }

    private void subscribe() {
        if (subscription == null) {
            subscription = methods.subscribe(registration, request -> loop.execute(() -> Publishes.atMostOnce(out, connection,
                    IotHubTopics.methodRequest(request.name(), request.requestId()), request.payload())));
        }
    }

    private void unsubscribe() {
        if (subscription != null) {
            subscription.close();
            subscription = null;
        }
    }

    /** A request on a {@code $iothub/methods/} topic: an answer, or a topic we do not serve (closes). */
    void onRequest(IotHubTopics.Request request, byte[] payload) {
        if (request instanceof IotHubTopics.MethodResponse response && response.requestId() != null) {
            methods.respond(device, response.requestId(), response.status(), payload);
        } else {
            connection.close("PUBLISH to a method topic that is not an answer ($iothub/methods/res/{status}/?$rid=)");
        }
    }

    @Override
    public void stop() {
        unsubscribe();
    }
}
