package io.gatehouse.core.registry;

import io.gatehouse.core.store.BinaryReader;
import io.gatehouse.core.store.BinaryWriter;
import java.util.EnumSet;
import java.util.Set;

/** The stored form of an {@link AccessPolicy}. */
final class AccessPolicyCodec {

    private static final int VERSION = 1;

    private AccessPolicyCodec() {
    }

    static byte[] encode(AccessPolicy p) {
        BinaryWriter w = new BinaryWriter(160)
                .writeByte(VERSION)
                .writeString(p.name())
                .writeString(p.keys().primaryKey())
                .writeString(p.keys().secondaryKey())
                .writeInt(p.rights().size());
        p.rights().forEach(r -> w.writeByte(r.ordinal()));
        return w.toByteArray();
    }

    static AccessPolicy decode(byte[] bytes) {
        BinaryReader r = new BinaryReader(bytes).expectVersion(VERSION, "access policy");
        String name = r.readString();
        SymmetricKeys keys = new SymmetricKeys(r.readString(), r.readString());
        int count = r.readInt();
        Set<AccessRight> rights = EnumSet.noneOf(AccessRight.class);
        for (int i = 0; i < count; i++) {
            rights.add(AccessRight.values()[r.readByte()]);
        }
        return new AccessPolicy(name, keys, rights);
    }
}
