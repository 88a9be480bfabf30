package io.gatehouse.mqtt.support;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Collects the PUBLISH packets a HiveMQ client receives. With manual acknowledgement the test decides when
 * (and in which order) each PUBACK goes out, by calling {@link Mqtt3Publish#acknowledge()}.
 */
public final class C2dReceiver {

    private final BlockingQueue<Mqtt3Publish> received = new LinkedBlockingQueue<>();

    /** Registers for every publish the client receives, before or after it connects. */
    public static C2dReceiver on(Mqtt3BlockingClient client, boolean manualAck) {
        C2dReceiver receiver = new C2dReceiver();
        client.toAsync().publishes(MqttGlobalPublishFilter.ALL, receiver.received::add, manualAck);
        return receiver;
    }

    /** Subscribes the connected client to its C2D topic at {@code qos}. */
    public static void subscribe(Mqtt3BlockingClient client, String deviceId, MqttQos qos) {
        Mqtt3AsyncClient async = client.toAsync();
        async.subscribeWith().topicFilter("devices/" + deviceId + "/messages/devicebound/#").qos(qos).send().join();
    }

    public Mqtt3Publish next() throws InterruptedException {
        Mqtt3Publish publish = received.poll(10, TimeUnit.SECONDS);
        if (publish == null) {
            throw new AssertionError("no C2D message within 10 s");
        }
        return publish;
    }

    public Mqtt3Publish poll(Duration timeout) throws InterruptedException {
        return received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public int pending() {
        return received.size();
    }
}
