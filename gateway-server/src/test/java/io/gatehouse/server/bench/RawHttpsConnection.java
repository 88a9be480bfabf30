package io.gatehouse.server.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * One keep-alive HTTPS/1.1 connection that writes each request (head and body) in a single write and reads the
 * response by its Content-Length. The JDK's clients write head and body apart, which with Nagle on the client and
 * delayed ACKs on the server measures TCP timers rather than the gateway.
 */
final class RawHttpsConnection implements AutoCloseable {

    private final SSLSocket socket;
    private final OutputStream out;
    private final InputStream in;

    RawHttpsConnection(SSLContext ssl, int port) throws IOException {
        socket = (SSLSocket) ssl.getSocketFactory().createSocket("127.0.0.1", port);
        socket.setTcpNoDelay(true);
        socket.startHandshake();
        out = socket.getOutputStream();
        in = new BufferedInputStream(socket.getInputStream());
    }

    /** A request with its body, ready to be written as is. */
    static byte[] post(String path, String authorization, byte[] body) {
        String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + authorization
                + "\r\niothub-app-bench: 1\r\nContent-Type: application/octet-stream\r\nContent-Length: " + body.length + "\r\n\r\n";
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes(head.getBytes(StandardCharsets.US_ASCII));
        request.writeBytes(body);
        return request.toByteArray();
    }

    /** Sends one request and returns the response status once the whole response is read. */
    int exchange(byte[] request) throws IOException {
        out.write(request);
        out.flush();
        String status = line();
        int contentLength = 0;
        for (String header = line(); !header.isEmpty(); header = line()) {
            if (header.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                contentLength = Integer.parseInt(header.substring(15).trim());
            }
        }
        in.readNBytes(contentLength);
        return Integer.parseInt(status.split(" ")[1]);
    }

    private String line() throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed");
            }
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
