package io.gatehouse.amqp.message;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;
import org.apache.qpid.proton.codec.ReadableBuffer;
import org.apache.qpid.proton.codec.WritableBuffer;

/**
 * What proton-j decodes a received message from: a heap buffer whose strings are made straight from their bytes
 * when they are ASCII, as nearly all of IoT Hub's are (message ids, addresses, property names).
 *
 * <p>proton-j's own reader runs every string through a {@link CharsetDecoder}, which allocates a char buffer,
 * its array and then the string's own copy: about 6 % of what the gateway allocated per C2D message. A
 * string with any byte above 0x7F still goes through the decoder it is given, so malformed UTF-8 is refused
 * exactly as before.
 */
final class AsciiFastReadableBuffer implements ReadableBuffer {

    private final ByteBuffer buffer;

    private AsciiFastReadableBuffer(ByteBuffer buffer) {
        this.buffer = buffer;
    }

    /** A reader over {@code length} bytes of {@code array} from {@code offset}, positioned at its start. */
    static AsciiFastReadableBuffer wrap(byte[] array, int offset, int length) {
        return new AsciiFastReadableBuffer(ByteBuffer.wrap(array, offset, length).slice());
    }

    @Override
    public String readString(CharsetDecoder decoder) throws CharacterCodingException {
        String ascii = readAscii();
        return ascii != null ? ascii : decoder.decode(buffer).toString();
    }

    @Override
    public String readUTF8() {
        String ascii = readAscii();
        return ascii != null ? ascii : StandardCharsets.UTF_8.decode(buffer).toString();
    }

    /** The remaining bytes as a string, consumed, if all are ASCII; otherwise null, and nothing consumed. */
    private String readAscii() {
        byte[] array = buffer.array();
        int start = buffer.arrayOffset() + buffer.position();
        int end = start + buffer.remaining();
        for (int i = start; i < end; i++) {
            if (array[i] < 0) {
                return null;
            }
        }
        buffer.position(buffer.limit());
        return new String(array, start, end - start, StandardCharsets.ISO_8859_1);
    }

    @Override
    public int capacity() {
        return buffer.capacity();
    }

    @Override
    public boolean hasArray() {
        return true;
    }

    @Override
    public byte[] array() {
        return buffer.array();
    }

    @Override
    public int arrayOffset() {
        return buffer.arrayOffset();
    }

    @Override
    public ReadableBuffer reclaimRead() {
        return this;
    }

    @Override
    public byte get() {
        return buffer.get();
    }

    @Override
    public byte get(int index) {
        return buffer.get(index);
    }

    @Override
    public int getInt() {
        return buffer.getInt();
    }

    @Override
    public long getLong() {
        return buffer.getLong();
    }

    @Override
    public short getShort() {
        return buffer.getShort();
    }

    @Override
    public float getFloat() {
        return buffer.getFloat();
    }

    @Override
    public double getDouble() {
        return buffer.getDouble();
    }

    @Override
    public ReadableBuffer get(byte[] target, int offset, int length) {
        buffer.get(target, offset, length);
        return this;
    }

    @Override
    public ReadableBuffer get(byte[] target) {
        buffer.get(target);
        return this;
    }

    @Override
    public ReadableBuffer get(WritableBuffer target) {
        target.put(buffer);
        return this;
    }

    @Override
    public ReadableBuffer slice() {
        return new AsciiFastReadableBuffer(buffer.slice());
    }

    @Override
    public ReadableBuffer flip() {
        buffer.flip();
        return this;
    }

    @Override
    public ReadableBuffer limit(int limit) {
        buffer.limit(limit);
        return this;
    }

    @Override
    public int limit() {
        return buffer.limit();
    }

    @Override
    public ReadableBuffer position(int position) {
        buffer.position(position);
        return this;
    }

    @Override
    public int position() {
        return buffer.position();
    }

    @Override
    public ReadableBuffer mark() {
        buffer.mark();
        return this;
    }

    @Override
    public ReadableBuffer reset() {
        buffer.reset();
        return this;
    }

    @Override
    public ReadableBuffer rewind() {
        buffer.rewind();
        return this;
    }

    @Override
    public ReadableBuffer clear() {
        buffer.clear();
        return this;
    }

    @Override
    public int remaining() {
        return buffer.remaining();
    }

    @Override
    public boolean hasRemaining() {
        return buffer.hasRemaining();
    }

    @Override
    public ReadableBuffer duplicate() {
        return new AsciiFastReadableBuffer(buffer.duplicate());
    }

    @Override
    public ByteBuffer byteBuffer() {
        return buffer;
    }

    @Override
    public String toString() {
        return buffer.toString();
    }
}
