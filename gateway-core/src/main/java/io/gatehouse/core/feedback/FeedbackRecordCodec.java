package io.gatehouse.core.feedback;

import io.gatehouse.core.store.BinaryReader;
import io.gatehouse.core.store.BinaryWriter;
import java.time.Instant;

/** The stored form of a pending {@link FeedbackRecord}. */
public final class FeedbackRecordCodec {

    private static final int VERSION = 1;

    private FeedbackRecordCodec() {
    }

    public static byte[] encode(FeedbackRecord r) {
        return new BinaryWriter(96)
                .writeByte(VERSION)
                .writeString(r.originalMessageId())
                .writeLong(r.time().toEpochMilli())
                .writeByte(r.status().ordinal())
                .writeString(r.deviceId())
                .writeString(r.deviceGenerationId())
                .toByteArray();
    }

    public static FeedbackRecord decode(byte[] bytes) {
        BinaryReader r = new BinaryReader(bytes).expectVersion(VERSION, "feedback record");
        return new FeedbackRecord(r.readString(), Instant.ofEpochMilli(r.readLong()),
                FeedbackStatus.values()[r.readByte()], r.readString(), r.readString());
    }
}
