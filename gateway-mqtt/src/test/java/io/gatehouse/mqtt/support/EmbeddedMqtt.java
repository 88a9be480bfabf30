package io.gatehouse.mqtt.support;

import io.gatehouse.core.testing.ManualCore;
import io.gatehouse.mqtt.MqttChannelInitializer;
import io.gatehouse.mqtt.MqttOptions;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import java.util.ArrayList;
import java.util.List;

/**
 * One MQTT connection of a {@link ManualCore} on Netty's EmbeddedChannel: packets go in encoded, as one read, and
 * come out decoded; {@link #settle()} runs the core's shards and the channel's tasks until both are idle, so every
 * step is deterministic.
 */
public final class EmbeddedMqtt implements AutoCloseable {

    public final EmbeddedChannel channel;
    private final ManualCore core;
    private final EmbeddedChannel encoder = new EmbeddedChannel(MqttEncoder.INSTANCE);
    private final EmbeddedChannel decoder = new EmbeddedChannel(new MqttDecoder());

    public EmbeddedMqtt(ManualCore core) {
        this.core = core;
        this.channel = new EmbeddedChannel(new MqttChannelInitializer(core.core, MqttOptions.defaults(), null));
    }

    /** Encodes the packets into one buffer, hands it to the channel as one read, and settles. */
    public void send(MqttMessage... messages) {
        ByteBuf bytes = Unpooled.buffer();
        for (MqttMessage message : messages) {
            encoder.writeOutbound(message);
            ByteBuf encoded;
            while ((encoded = encoder.readOutbound()) != null) {
                bytes.writeBytes(encoded);
                encoded.release();
            }
        }
        channel.writeInbound(bytes);
        settle();
    }

    /** Runs the core's shards and the channel's tasks until both are idle. */
    public void settle() {
        for (int i = 0; i < 10; i++) {
            core.run();
            channel.runPendingTasks();
        }
    }

    /** What the connection wrote since the last call, decoded. */
    public List<MqttMessage> received() {
        List<MqttMessage> messages = new ArrayList<>();
        ByteBuf bytes;
        while ((bytes = channel.readOutbound()) != null) {
            decoder.writeInbound(bytes);
        }
        Object message;
        while ((message = decoder.readInbound()) != null) {
            messages.add((MqttMessage) message);
        }
        return messages;
    }

    @Override
    public void close() {
        channel.finishAndReleaseAll();
        encoder.finishAndReleaseAll();
        decoder.finishAndReleaseAll();
    }
}
