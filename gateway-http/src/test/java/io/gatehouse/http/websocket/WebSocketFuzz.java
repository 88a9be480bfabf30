package io.gatehouse.http.websocket;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * Malformed WebSocket traffic against a live listener, one short connection per case: random bytes instead
 * of an upgrade, upgrades with random headers cut short or bit-flipped, and after a valid upgrade random
 * frames (any opcode, flags, length fields, unmasked, truncated).
 */
final class WebSocketFuzz {

    enum Kind { RANDOM_BYTES, MANGLED_UPGRADE, RANDOM_FRAMES, FLIPPED_FRAMES, HUGE_LENGTH }

    private final int port;
    private final String path;

    WebSocketFuzz(int port, String path) {
        this.port = port;
        this.path = path;
    }

    Kind runOne(Random random) {
        Kind kind = Kind.values()[random.nextInt(Kind.values().length)];
        byte[] upgrade = RawWebSocket.upgradeRequest(path, random.nextBoolean() ? "mqtt" : "AMQPWSB10")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] bytes = switch (kind) {
            case RANDOM_BYTES -> randomBytes(random, 1 + random.nextInt(1024));
            case MANGLED_UPGRADE -> flip(cut(upgrade, random), random);
            case RANDOM_FRAMES -> concat(upgrade, randomFrames(random));
            case FLIPPED_FRAMES -> concat(upgrade, flip(randomFrames(random), random));
            case HUGE_LENGTH -> concat(upgrade, new byte[] {(byte) 0x82, (byte) 0xff, 0x7f, (byte) 0xff, (byte) 0xff,
                    (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 2, 3, 4});
        };
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(100);
            OutputStream out = socket.getOutputStream();
            int chunk = 1 + random.nextInt(bytes.length);
            for (int i = 0; i < bytes.length; i += chunk) {
                out.write(bytes, i, Math.min(chunk, bytes.length - i));
                out.flush();
            }
            if (random.nextBoolean()) {
                byte[] buffer = new byte[4096];
                while (socket.getInputStream().read(buffer) >= 0) {
                    // read what the server answers until it closes or goes quiet
                }
            }
        } catch (IOException e) {
            // closed, reset or quiet: what malformed input may get
        }
        return kind;
    }

    private static byte[] randomFrames(Random random) {
        java.io.ByteArrayOutputStream frames = new java.io.ByteArrayOutputStream();
        int count = 1 + random.nextInt(5);
        for (int i = 0; i < count; i++) {
            byte[] payload = randomBytes(random, random.nextInt(300));
            int opcode = random.nextInt(16);
            byte[] frame = RawWebSocket.frame(opcode, random.nextBoolean(), payload, random);
            if (random.nextInt(4) == 0) {
                frame[1] &= 0x7f; // unmasked: a protocol error from a client
            }
            frames.writeBytes(frame);
        }
        return frames.toByteArray();
    }

    private static byte[] randomBytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private static byte[] cut(byte[] bytes, Random random) {
        return java.util.Arrays.copyOf(bytes, 1 + random.nextInt(bytes.length));
    }

    private static byte[] flip(byte[] bytes, Random random) {
        byte[] copy = bytes.clone();
        int flips = 1 + random.nextInt(4);
        for (int i = 0; i < flips; i++) {
            copy[random.nextInt(copy.length)] ^= (byte) (1 << random.nextInt(8));
        }
        return copy;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
