package io.gatehouse.bench.os;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * The far end of {@link MachineFloor}'s round trip, a child process on the brokers' CPU: listens on a loopback port,
 * prints {@code PORT <n>}, then echoes every {@value MachineFloor#PING_BYTES}-byte ping of the one connection it
 * accepts until that connection closes. Blocking I/O on one thread: the least any broker does for a packet.
 */
public final class EchoMain {

    private EchoMain() {
    }

    public static void main(String[] args) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            System.out.println("PORT " + server.getLocalPort());
            System.out.flush();
            try (Socket socket = server.accept()) {
                socket.setTcpNoDelay(true);
                InputStream in = socket.getInputStream();
                OutputStream out = socket.getOutputStream();
                byte[] ping = new byte[MachineFloor.PING_BYTES];
                while (in.readNBytes(ping, 0, ping.length) == ping.length) {
                    out.write(ping);
                }
            }
        }
    }
}
