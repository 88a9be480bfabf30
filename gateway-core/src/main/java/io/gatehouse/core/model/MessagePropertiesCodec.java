package io.gatehouse.core.model;

import io.gatehouse.core.store.BinaryReader;
import io.gatehouse.core.store.BinaryWriter;

/**
 * Message properties in the stored forms of D2C events and queue messages: the system properties in a fixed
 * order, then the application properties. Both record formats embed exactly this, so it is written once.
 */
public final class MessagePropertiesCodec {

    private MessagePropertiesCodec() {
    }

    /** The bytes {@link #write} takes. */
    public static int sizeOf(MessageProperties p) {
        return BinaryWriter.sizeOf(p.messageId()) + BinaryWriter.sizeOf(p.correlationId()) + BinaryWriter.sizeOf(p.userId())
                + BinaryWriter.sizeOf(p.to()) + BinaryWriter.sizeOf(p.contentType()) + BinaryWriter.sizeOf(p.contentEncoding())
                + BinaryWriter.sizeOf(p.creationTimeUtc()) + BinaryWriter.sizeOf(p.application());
    }

    public static BinaryWriter write(BinaryWriter w, MessageProperties p) {
        return w.writeString(p.messageId())
                .writeString(p.correlationId())
                .writeString(p.userId())
                .writeString(p.to())
                .writeString(p.contentType())
                .writeString(p.contentEncoding())
                .writeString(p.creationTimeUtc())
                .writeStringMap(p.application());
    }

    public static MessageProperties read(BinaryReader r) {
        return new MessageProperties(r.readString(), r.readString(), r.readString(), r.readString(),
                r.readString(), r.readString(), r.readString(), r.readStringMap());
    }

    /** Reads the message id only, moving past the other properties without decoding them. */
    public static String readMessageId(BinaryReader r) {
        String messageId = r.readString();
        for (int i = 0; i < 6; i++) {
            r.skipString();
        }
        r.skipStringMap();
        return messageId;
    }
}
