package io.gatehouse.bench.scenario;

import io.gatehouse.bench.broker.Dialect;
import io.gatehouse.bench.broker.GatehouseDialect;
import io.gatehouse.bench.broker.MqttNodes;
import io.gatehouse.bench.broker.PeerDialect;
import io.gatehouse.bench.load.MqttFleet;
import java.net.InetAddress;
import java.time.Duration;

/**
 * A load-generator child process of the connections scenario: opens {@code count} idle MQTT connections from one
 * loopback source address (one process stays under the per-process open-file limit), prints
 * {@code CONNECTED <count> <nanos>} (or {@code FAILED <reason>}), holds them until its standard input closes, then
 * disconnects and exits.
 *
 * <p>Arguments: {@code host port sourceAddress firstDeviceIndex count [gatehouseHostName deviceKey]}.
 */
public final class ConnectionHolderMain {

    private ConnectionHolderMain() {
    }

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        InetAddress source = InetAddress.getByName(args[2]);
        int first = Integer.parseInt(args[3]);
        int count = Integer.parseInt(args[4]);
        Dialect dialect = args.length > 6 ? new GatehouseDialect(args[5], args[6], null, 1, -1, null) : new PeerDialect();
        MqttFleet fleet;
        try {
            fleet = MqttFleet.connect(Devices.ids(first, count),
                    new MqttFleet.Options(host, MqttNodes.one(port), dialect, true, 900, source, null), 200, Duration.ofMinutes(10));
        } catch (Exception e) {
            System.out.println("FAILED " + e.getMessage().replace('\n', ' '));
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
