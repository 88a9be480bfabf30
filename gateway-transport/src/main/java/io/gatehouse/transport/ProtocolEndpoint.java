package io.gatehouse.transport;

import io.netty.channel.ChannelHandler;
import io.netty.handler.ssl.SslContext;
import java.util.List;
import java.util.function.Function;

/**
 * The seat a protocol takes in the gateway: the ports it listens on and the pipeline each accepted connection
 * gets. MQTT, AMQP and HTTP implement it; the server binds every port of every endpoint the same way and never
 * names a protocol.
 */
public interface ProtocolEndpoint {

    /** The protocol's name, for logs: {@code mqtt}, {@code amqp}, {@code https}. */
    String protocol();

    /** The ports to listen on, each with the name its listener is known by. */
    List<Port> ports();

    /** What a connection accepted on {@code port} starts with (TLS first when the port is secure). */
    ChannelHandler initializer(Port port);

    /**
     * An endpoint whose pipeline differs between its ports only in TLS: {@code pipeline} gets
     * {@code sslContext} for a TLS port and null for a plain one.
     */
    static ProtocolEndpoint of(String protocol, List<Port> ports, SslContext sslContext,
                               Function<SslContext, ChannelHandler> pipeline) {
        List<Port> copy = List.copyOf(ports);
        return new ProtocolEndpoint() {
            @Override
            public String protocol() {
                return protocol;
            }

            @Override
            public List<Port> ports() {
                return copy;
            }

            @Override
            public ChannelHandler initializer(Port port) {
                return pipeline.apply(port.tls() ? sslContext : null);
            }
        };
    }

    /** One listening port: its listener's name, its number (0: any free port) and whether it speaks TLS. */
    record Port(String name, int number, boolean tls) {

        public static Port tls(String name, int number) {
            return new Port(name, number, true);
        }

        public static Port plain(String name, int number) {
            return new Port(name, number, false);
        }
    }
}
