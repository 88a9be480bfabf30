package io.gatehouse.core.events;

import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.model.MessagePropertiesCodec;
import io.gatehouse.core.store.BinaryReader;
import io.gatehouse.core.store.BinaryWriter;
import io.gatehouse.core.store.EventRecord;
import java.time.Instant;

/** The stored payload of a D2C event (its position and time live in the {@link EventRecord}). */
final class D2cEventCodec {

    private static final int VERSION = 1;

    private D2cEventCodec() {
    }

    static byte[] encode(EventSource source, MessageProperties p, byte[] body) {
        byte[] stamp = source.encoded();
        // sized exactly: the buffer becomes the record without a copy (the hot path of every D2C message)
        int size = 1 + stamp.length + MessagePropertiesCodec.sizeOf(p) + BinaryWriter.sizeOf(body);
        BinaryWriter w = BinaryWriter.exactly(size);
        MessagePropertiesCodec.write(w.writeByte(VERSION).writeRaw(stamp), p).writeBytes(body);
        return w.toExactByteArray();
    }

    static D2cEvent decode(int partition, EventRecord record) {
        BinaryReader r = new BinaryReader(record.payload()).expectVersion(VERSION, "event");
        EventSource source = new EventSource(DeviceId.of(r.readString()), r.readString(), r.readString());
        MessageProperties p = MessagePropertiesCodec.read(r);
        return new D2cEvent(partition, record.sequenceNumber(), record.offset(),
                Instant.ofEpochMilli(record.enqueuedTimeMillis()), source, p, r.readBytes());
    }
}
