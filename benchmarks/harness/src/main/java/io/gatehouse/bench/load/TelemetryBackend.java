package io.gatehouse.bench.load;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import io.gatehouse.bench.broker.RunningBroker;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The back end that makes a plain MQTT broker store telemetry at all: one client with a persistent session
 * (CleanSession=0) subscribed at QoS 1 to every device's telemetry. Without it a broker drops publishes that no
 * subscription wants, which is not what Gatehouse's always-stored event stream does. It counts what it receives,
 * so a broker that acknowledges but never delivers shows up.
 */
public final class TelemetryBackend implements AutoCloseable {

    private final Mqtt3AsyncClient client;
    private final AtomicLong received = new AtomicLong();

    private TelemetryBackend(Mqtt3AsyncClient client) {
        this.client = client;
    }

    /**
     * Connects and subscribes; a broker that drops the first attempt (Moquette 0.17 now and then closes a new
     * persistent session while it handles the SUBSCRIBE) gets two more.
     */
    public static TelemetryBackend attach(RunningBroker broker) throws Exception {
        Exception last = null;
        for (int attempt = 1; attempt <= 3; attempt++) {
            Mqtt3AsyncClient c = MqttClient.builder().useMqttVersion3().identifier("bench-backend")
                    .serverHost(broker.host()).serverPort(broker.mqttPort()).buildAsync();
            TelemetryBackend backend = new TelemetryBackend(c);
            c.publishes(MqttGlobalPublishFilter.ALL, p -> backend.received.incrementAndGet());
            try {
                c.connectWith().cleanSession(false).keepAlive(120).send().get(30, TimeUnit.SECONDS);
                c.subscribeWith().topicFilter("devices/+/messages/events/#").qos(MqttQos.AT_LEAST_ONCE).send()
                        .get(10, TimeUnit.SECONDS);
                return backend;
            } catch (Exception e) {
                last = e;
                backend.close();
            }
        }
        throw new IllegalStateException("the telemetry back end could not subscribe: " + last, last);
    }

    public long received() {
        return received.get();
    }

    /** Waits until at least {@code expected} messages arrived; returns whether they did in time. */
    public boolean awaitReceived(long expected, Duration timeout) throws InterruptedException {
        return Waits.until(() -> received.get() >= expected, timeout);
    }

    @Override
    public void close() {
        try {
            client.disconnect().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // the broker is stopped right after
        }
    }
}
