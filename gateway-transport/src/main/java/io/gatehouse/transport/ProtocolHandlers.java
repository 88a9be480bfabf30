package io.gatehouse.transport;

import io.netty.channel.ChannelPipeline;

/**
 * The protocol part of a connection's pipeline: what follows whatever carries the bytes. A protocol's own
 * listener puts it after TLS; the HTTPS listener puts it after a WebSocket upgrade, so MQTT and AMQP over
 * WebSockets run the very same handlers as over TCP.
 */
@FunctionalInterface
public interface ProtocolHandlers {

    /**
     * Adds the protocol's handlers at the end of {@code pipeline}, whose last handler so far delivers the
     * connection's bytes as {@code ByteBuf}s and takes {@code ByteBuf}s to send. The channel may already be
     * active (a WebSocket upgraded from HTTP): the handlers must not wait for {@code channelActive}.
     *
     * @param secure whether the bytes travel encrypted (for logs and policies)
     */
    void addTo(ChannelPipeline pipeline, boolean secure);
}
