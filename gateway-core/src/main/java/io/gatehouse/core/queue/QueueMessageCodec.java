package io.gatehouse.core.queue;

import io.gatehouse.core.feedback.AckMode;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.model.MessagePropertiesCodec;
import io.gatehouse.core.store.BinaryReader;
import io.gatehouse.core.store.BinaryWriter;
import java.time.Instant;

/**
 * The stored form of a {@link QueueMessage} with the generation of the identity that owns its queue, and of a
 * delivery count. The generation tells a message of a deleted device from one of a device created later under
 * the same id, should a crash fall between the deletion and the purge.
 */
public final class QueueMessageCodec {

    private static final int VERSION = 2;
    private static final int COUNT_VERSION = 1;

    /** A stored message and the owner generation it was written for ("" where the owner has none). */
    public record Stored(String ownerGeneration, QueueMessage message) {
    }

    /**
     * What a queue keeps of a stored message while its content stays on disk (see {@link #decodeHeader}), with
     * the owner generation it was written for.
     */
    public record Header(String ownerGeneration, String messageId, AckMode ack, long expiryMillis) {
    }

    private QueueMessageCodec() {
    }

    public static byte[] encode(QueueMessage m, String ownerGeneration) {
        MessageProperties p = m.properties();
        int size = 1 + BinaryWriter.sizeOf(ownerGeneration) + MessagePropertiesCodec.sizeOf(p) + 1 + 8 + 8
                + BinaryWriter.sizeOf(m.body());
        BinaryWriter w = BinaryWriter.exactly(size);
        MessagePropertiesCodec.write(w.writeByte(VERSION).writeString(ownerGeneration), p)
                .writeByte(m.ack().ordinal())
                .writeLong(m.enqueuedTime().toEpochMilli())
                .writeLong(m.expiryTime().toEpochMilli())
                .writeBytes(m.body());
        return w.toExactByteArray();
    }

    public static Stored decode(byte[] bytes) {
        BinaryReader r = new BinaryReader(bytes).expectVersion(VERSION, "queue message");
        String ownerGeneration = r.readString();
        MessageProperties p = MessagePropertiesCodec.read(r);
        AckMode ack = AckMode.values()[r.readByte()];
        Instant enqueued = Instant.ofEpochMilli(r.readLong());
        Instant expiry = Instant.ofEpochMilli(r.readLong());
        return new Stored(ownerGeneration, new QueueMessage(p, ack, enqueued, expiry, r.readBytes()));
    }

    /** The fields of {@link #decode} a queue needs to keep a message without its content; the rest is skipped. */
    public static Header decodeHeader(byte[] bytes) {
        BinaryReader r = new BinaryReader(bytes).expectVersion(VERSION, "queue message");
        String ownerGeneration = r.readString();
        String messageId = MessagePropertiesCodec.readMessageId(r);
        AckMode ack = AckMode.values()[r.readByte()];
        r.readLong(); // enqueued time: part of the content
        return new Header(ownerGeneration, messageId, ack, r.readLong());
    }

    public static byte[] encodeCount(int deliveryCount) {
        return BinaryWriter.exactly(5).writeByte(COUNT_VERSION).writeInt(deliveryCount).toExactByteArray();
    }

    public static int decodeCount(byte[] bytes) {
        return new BinaryReader(bytes).expectVersion(COUNT_VERSION, "delivery count").readInt();
    }
}
