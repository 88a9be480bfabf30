package io.gatehouse.amqp;

import java.time.Duration;

/**
 * Limits and timers of the AMQP endpoint.
 *
 * @param containerId        our container id in the Open frame
 * @param maxFrameSize       the largest frame we accept (advertised in Open); the peer's own limit (4096 for the
 *                           Java SDKs) is honoured by proton-j when it writes. Proton-j gives every connection an
 *                           input and an output buffer of this size, so it is most of a connection's memory
 * @param idleTimeout        our idle timeout: a peer that sends nothing for this long is closed. Proton-j advertises
 *                           it in Open, and peers send empty frames well within it (the SDKs send theirs, 230 s, and
 *                           we send empty frames at half of the peer's value)
 * @param inboundWindow      link credit of a link that stores what it receives (D2C, service C2D sends): how many
 *                           messages may be in flight between the peer and the store at once
 * @param outboundWindow     the most messages a sending link holds from the core at once, whatever credit the
 *                           peer grants (the Java SDK grants 1024)
 * @param maxMessageSize     the largest message a receiving link buffers before detaching with
 *                           {@code amqp:link:message-size-exceeded}; messages above the core's own (smaller) limits
 *                           but under this one are rejected one by one, with the link kept
 * @param saslHandshakeTimeout how long a connection may take to authenticate (SASL) and open
 */
public record AmqpOptions(
        String containerId,
        int maxFrameSize,
        Duration idleTimeout,
        int inboundWindow,
        int outboundWindow,
        int maxMessageSize,
        Duration saslHandshakeTimeout) {

    public static final int MIN_MAX_FRAME_SIZE = 512;
    /**
     * What the Java SDKs ask of us too. At 64 KiB an idle device connection held 174 KB of heap, at 4 KiB 51 KB;
     * a larger message simply arrives in several frames.
     */
    public static final int DEFAULT_MAX_FRAME_SIZE = 4096;

    public AmqpOptions {
        if (containerId == null || containerId.isBlank()) {
            throw new IllegalArgumentException("containerId is required");
        }
        if (maxFrameSize < MIN_MAX_FRAME_SIZE) {
            throw new IllegalArgumentException("maxFrameSize must be at least " + MIN_MAX_FRAME_SIZE);
        }
        if (idleTimeout.isNegative()) {
            throw new IllegalArgumentException("idleTimeout must not be negative");
        }
        if (inboundWindow < 1 || outboundWindow < 1) {
            throw new IllegalArgumentException("windows must be at least 1");
        }
        if (maxMessageSize < 1024) {
            throw new IllegalArgumentException("maxMessageSize must be at least 1024");
        }
    }

    public static AmqpOptions defaults() {
        return new AmqpOptions("gatehouse", DEFAULT_MAX_FRAME_SIZE, Duration.ofSeconds(240), 100, 100, 1024 * 1024,
                Duration.ofSeconds(30));
    }

    public AmqpOptions withIdleTimeout(Duration value) {
        return new AmqpOptions(containerId, maxFrameSize, value, inboundWindow, outboundWindow, maxMessageSize,
                saslHandshakeTimeout);
    }

    public AmqpOptions withMaxFrameSize(int value) {
        return new AmqpOptions(containerId, value, idleTimeout, inboundWindow, outboundWindow, maxMessageSize,
                saslHandshakeTimeout);
    }

    public AmqpOptions withInboundWindow(int value) {
        return new AmqpOptions(containerId, maxFrameSize, idleTimeout, value, outboundWindow, maxMessageSize,
                saslHandshakeTimeout);
    }

    public AmqpOptions withOutboundWindow(int value) {
        return new AmqpOptions(containerId, maxFrameSize, idleTimeout, inboundWindow, value, maxMessageSize,
                saslHandshakeTimeout);
    }
}
