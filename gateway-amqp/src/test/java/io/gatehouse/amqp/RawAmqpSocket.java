package io.gatehouse.amqp;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import org.apache.qpid.proton.codec.AMQPDefinedTypes;
import org.apache.qpid.proton.codec.DecoderImpl;
import org.apache.qpid.proton.codec.EncoderImpl;

/** A bare TCP peer that writes chosen bytes and reads AMQP frames: for malformed-input tests. */
final class RawAmqpSocket implements AutoCloseable {

    static final byte[] AMQP_HEADER = {'A', 'M', 'Q', 'P', 0, 1, 0, 0};

    /** One frame read back; {@code body} is null for an empty (heartbeat) frame. */
    record Frame(int size, Object body) {
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final DecoderImpl decoder = new DecoderImpl();
    private final EncoderImpl encoder = new EncoderImpl(decoder);

    RawAmqpSocket(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
        AMQPDefinedTypes.registerAllTypes(decoder, encoder);
    }

    void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    byte[] readHeader() throws IOException {
        byte[] header = new byte[8];
        in.readFully(header);
        return header;
    }

    /** Encodes a performative (e.g. {@code Open}) as a frame on channel 0. */
    void writeFrame(Object performative) throws IOException {
        ByteBuffer body = ByteBuffer.allocate(4096);
        encoder.setByteBuffer(body);
        encoder.writeObject(performative);
        body.flip();
        ByteBuffer frame = ByteBuffer.allocate(8 + body.remaining());
        frame.putInt(8 + body.remaining()).put((byte) 2).put((byte) 0).putShort((short) 0).put(body);
        write(frame.array());
    }

    Frame readFrame() throws IOException {
        int size = in.readInt();
        int doff = in.readUnsignedByte();
        in.readUnsignedByte();
        in.readUnsignedShort();
        in.skipNBytes(doff * 4L - 8);
        byte[] body = new byte[size - doff * 4];
        in.readFully(body);
        if (body.length == 0) {
            return new Frame(size, null);
        }
        decoder.setByteBuffer(ByteBuffer.wrap(body));
        return new Frame(size, decoder.readObject());
    }

    /** Reads frames until one of {@code type} arrives. */
    <T> T readUntil(Class<T> type) throws IOException {
        while (true) {
            Object body = readFrame().body();
            if (type.isInstance(body)) {
                return type.cast(body);
            }
        }
    }

    /** True when the server closed the socket (within the read timeout). */
    boolean closedByPeer() throws IOException {
        try {
            while (in.read() >= 0) {
                // drain whatever was in flight
            }
            return true;
        } catch (EOFException e) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
