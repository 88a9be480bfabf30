package io.gatehouse.core.events;

import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.model.MessagePropertiesCodec;
import io.gatehouse.core.store.BinaryReader;
import io.gatehouse.core.store.BinaryWriter;
import io.gatehouse.core.store.EventRecord;
import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * The stored payload of a D2C event (its position and time live in the {@link EventRecord}). Version 1 is a
 * device's event; version 2 adds the sending module's id after the stamp (events stored before modules existed
 * stay readable, and a device's events are written as before).
 */
final class D2cEventCodec {

    private static final int DEVICE_VERSION = 1;
    private static final int MODULE_VERSION = 2;

    private D2cEventCodec() {
    }

    /** Reads the remaining bytes of {@code body} without moving its position, and keeps no reference to it. */
    static byte[] encode(EventSource source, MessageProperties p, ByteBuffer body) {
        byte[] stamp = source.encoded();
        // sized exactly: the buffer becomes the record without a copy (the hot path of every D2C message)
        int size = 1 + stamp.length + MessagePropertiesCodec.sizeOf(p) + BinaryWriter.sizeOfRemaining(body);
        BinaryWriter w = BinaryWriter.exactly(size);
        int version = source.moduleId() == null ? DEVICE_VERSION : MODULE_VERSION;
        MessagePropertiesCodec.write(w.writeByte(version).writeRaw(stamp), p).writeRemaining(body);
        return w.toExactByteArray();
    }

    static D2cEvent decode(int partition, EventRecord record) {
        BinaryReader r = new BinaryReader(record.payload());
        int version = r.readByte();
        if (version != DEVICE_VERSION && version != MODULE_VERSION) {
            throw new IllegalStateException("unknown event version " + version);
        }
        DeviceId device = DeviceId.of(r.readString());
        String generationId = r.readString();
        String authMethod = r.readString();
        String moduleId = version == MODULE_VERSION ? r.readString() : null;
        EventSource source = new EventSource(device, moduleId, generationId, authMethod);
        MessageProperties p = MessagePropertiesCodec.read(r);
        return new D2cEvent(partition, record.sequenceNumber(), record.offset(),
                Instant.ofEpochMilli(record.enqueuedTimeMillis()), source, p, r.readBytes());
    }
}
