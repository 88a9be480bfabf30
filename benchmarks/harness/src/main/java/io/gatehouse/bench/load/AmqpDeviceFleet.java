package io.gatehouse.bench.load;

import io.gatehouse.bench.broker.GatehouseDialect;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.qpid.protonj2.client.Client;
import org.apache.qpid.protonj2.client.Connection;
import org.apache.qpid.protonj2.client.ConnectionOptions;

/**
 * Idle AMQP device connections as the Azure SDKs' AMQP transport holds them: each device signs in with SASL PLAIN
 * ({@code {deviceId}@sas.{hub}} and a SAS token) and keeps a receiver on its C2D address. Connects one at a time.
 */
public final class AmqpDeviceFleet implements HeldConnections {

    private final Client client;
    private final List<Connection> connections;
    private final long connectNanos;

    private AmqpDeviceFleet(Client client, List<Connection> connections, long connectNanos) {
        this.client = client;
        this.connections = connections;
        this.connectNanos = connectNanos;
    }

    /** Connects {@code deviceIds} from {@code sourceAddress}; every receiver is attached when this returns. */
    public static AmqpDeviceFleet connect(List<String> deviceIds, String host, int port, String sourceAddress,
                                          GatehouseDialect dialect) throws Exception {
        Client client = Client.create();
        List<Connection> connections = new ArrayList<>(deviceIds.size());
        long start = System.nanoTime();
        try {
            for (String id : deviceIds) {
                ConnectionOptions options = new ConnectionOptions().user(id + "@sas." + dialect.hostName())
                        .password(dialect.deviceToken(id)).idleTimeout(Amqp.IDLE_TIMEOUT_MILLIS);
                options.saslOptions().addAllowedMechanism("PLAIN");
                options.transportOptions().localAddress(sourceAddress);
                Connection connection = client.connect(host, port, options);
                connections.add(connection);
                connection.openReceiver("/devices/" + id + "/messages/devicebound").openFuture().get(30, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            client.close();
            throw e;
        }
        return new AmqpDeviceFleet(client, connections, System.nanoTime() - start);
    }

    @Override
    public int size() {
        return connections.size();
    }

    @Override
    public long connectNanos() {
        return connectNanos;
    }

    @Override
    public void close() {
        client.close();
    }
}
