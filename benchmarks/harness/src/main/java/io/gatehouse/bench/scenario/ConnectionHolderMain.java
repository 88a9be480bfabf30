package io.gatehouse.bench.scenario;

import io.gatehouse.bench.broker.Dialect;
import io.gatehouse.bench.broker.GatehouseDialect;
import io.gatehouse.bench.broker.MqttNodes;
import io.gatehouse.bench.broker.PeerDialect;
import io.gatehouse.bench.load.AmqpDeviceFleet;
import io.gatehouse.bench.load.HeldConnections;
import io.gatehouse.bench.load.MqttFleet;
import java.net.InetAddress;
import java.time.Duration;

/**
 * A load-generator child process of the connections scenarios: opens {@code count} idle MQTT or AMQP connections from one
 * loopback source address (one process stays under the per-process open-file limit), prints
 * {@code CONNECTED <count> <nanos>} (or {@code FAILED <reason>}), holds them until its standard input closes, then
 * disconnects and exits.
 *
 * <p>Arguments: {@code mqtt|amqp host port sourceAddress firstDeviceIndex count [gatehouseHostName deviceKey]} (AMQP:
 * Gatehouse only, so the last two are needed).
 */
public final class ConnectionHolderMain {

    private ConnectionHolderMain() {
    }

    public static void main(String[] args) throws Exception {
        boolean amqp = args[0].equals("amqp");
        String host = args[1];
        int port = Integer.parseInt(args[2]);
        String source = args[3];
        int first = Integer.parseInt(args[4]);
        int count = Integer.parseInt(args[5]);
        GatehouseDialect gatehouse = args.length > 7 ? new GatehouseDialect(args[6], args[7], null, 1, -1, null) : null;
        HeldConnections fleet;
        try {
            if (amqp) {
                fleet = AmqpDeviceFleet.connect(Devices.ids(first, count), host, port, source, gatehouse);
            } else {
                Dialect dialect = gatehouse != null ? gatehouse : new PeerDialect();
                fleet = MqttFleet.connect(Devices.ids(first, count), new MqttFleet.Options(host, MqttNodes.one(port),
                        dialect, true, 900, InetAddress.getByName(source), null), 200, Duration.ofMinutes(10));
            }
        } catch (Exception e) {
            System.out.println("FAILED " + String.valueOf(e.getMessage()).replace('\n', ' '));
            System.out.flush();
            System.exit(2);
            return;
        }
        System.out.println("CONNECTED " + fleet.size() + " " + fleet.connectNanos());
        System.out.flush();
        while (System.in.read() >= 0) {
            // the harness never writes; end of input means "let go"
        }
        fleet.close();
        System.exit(0);
    }
}
