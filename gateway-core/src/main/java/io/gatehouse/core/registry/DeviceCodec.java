package io.gatehouse.core.registry;

import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.store.BinaryReader;
import io.gatehouse.core.store.BinaryWriter;
import java.time.Instant;

/** The stored form of a {@link Device}. */
final class DeviceCodec {

    private static final int VERSION = 1;

    private DeviceCodec() {
    }

    static byte[] encode(Device d) {
        return new BinaryWriter(256)
                .writeByte(VERSION)
                .writeString(d.id().value())
                .writeString(d.generationId())
                .writeString(d.etag())
                .writeByte(d.status().ordinal())
                .writeString(d.statusReason())
                .writeLong(d.statusUpdatedTime().toEpochMilli())
                .writeString(d.keys().primaryKey())
                .writeString(d.keys().secondaryKey())
                .writeLong(d.version())
                .toByteArray();
    }

    static Device decode(byte[] bytes) {
        BinaryReader r = new BinaryReader(bytes).expectVersion(VERSION, "device");
        DeviceId id = DeviceId.of(r.readString());
        String generationId = r.readString();
        String etag = r.readString();
        DeviceStatus status = DeviceStatus.values()[r.readByte()];
        String statusReason = r.readString();
        Instant statusUpdatedTime = Instant.ofEpochMilli(r.readLong());
        SymmetricKeys keys = new SymmetricKeys(r.readString(), r.readString());
        long version = r.readLong();
        return new Device(id, generationId, DeviceRegistry.sharedEtag(etag, version), status, statusReason,
                statusUpdatedTime, keys, version);
    }
}
