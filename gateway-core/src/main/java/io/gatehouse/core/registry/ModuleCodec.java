package io.gatehouse.core.registry;

import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.store.BinaryReader;
import io.gatehouse.core.store.BinaryWriter;

/** The stored form of a {@link Module}. */
final class ModuleCodec {

    private static final int VERSION = 1;

    private ModuleCodec() {
    }

    static byte[] encode(Module m) {
        return new BinaryWriter(256)
                .writeByte(VERSION)
                .writeString(m.deviceId().value())
                .writeString(m.moduleId())
                .writeString(m.generationId())
                .writeString(m.etag())
                .writeString(m.managedBy())
                .writeString(m.keys().primaryKey())
                .writeString(m.keys().secondaryKey())
                .writeLong(m.version())
                .toByteArray();
    }

    static Module decode(byte[] bytes) {
        BinaryReader r = new BinaryReader(bytes).expectVersion(VERSION, "module");
        return new Module(DeviceId.of(r.readString()), r.readString(), r.readString(), r.readString(), r.readString(),
                new SymmetricKeys(r.readString(), r.readString()), r.readLong());
    }
}
