package io.gatehouse.bench.load;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import io.gatehouse.bench.broker.RunningBroker;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * C2D for brokers without AMQP: the service is one MQTT client publishing QoS 1 to each device's topic, with at
 * most {@code window} publishes awaiting their PUBACK.
 */
public final class MqttC2dService implements C2dService {

    private static final int WINDOW = 1000;

    private final RunningBroker broker;
    private final Mqtt3AsyncClient client;
    private final Semaphore window = new Semaphore(WINDOW);
    private final AtomicLong failures = new AtomicLong();

    private MqttC2dService(RunningBroker broker, Mqtt3AsyncClient client) {
        this.broker = broker;
        this.client = client;
    }

    public static MqttC2dService open(RunningBroker broker) throws Exception {
        Mqtt3AsyncClient c = MqttClient.builder().useMqttVersion3().identifier("bench-service")
                .serverHost(broker.host()).serverPort(broker.mqttPort()).buildAsync();
        c.connectWith().cleanSession(true).send().get(30, TimeUnit.SECONDS);
        return new MqttC2dService(broker, c);
    }

    @Override
    public void send(String deviceId, int sequence, byte[] body) throws Exception {
        window.acquire();
        client.publishWith().topic(broker.dialect().c2dTopic(deviceId)).qos(MqttQos.AT_LEAST_ONCE).payload(body).send()
                .whenComplete((r, e) -> {
                    if (e != null) {
                        failures.incrementAndGet();
                    }
                    window.release();
                });
    }

    @Override
    public long failures() {
        return failures.get();
    }

    @Override
    public boolean awaitAcknowledged(Duration timeout) throws Exception {
        if (!window.tryAcquire(WINDOW, timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            return false;
        }
        window.release(WINDOW);
        return true;
    }

    @Override
    public String describe() {
        return "service over MQTT QoS 1 (no AMQP in this broker)";
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
