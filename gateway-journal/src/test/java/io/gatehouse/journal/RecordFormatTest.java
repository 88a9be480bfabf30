package io.gatehouse.journal;

import static io.gatehouse.journal.JournalTesting.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.core.store.EventRecord;
import io.gatehouse.core.store.RecordKind;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.WriteBatch;
import io.gatehouse.journal.SegmentHeader.StreamKind;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordFormatTest {

    private static final long SEGMENT = 42;

    @TempDir
    Path dir;

    record Decoded(StateKey key, String value, int size) {
    }

    @Test
    void aStateRecordHoldsTheWholeBatchWithStructuredKeys() throws Exception {
        WriteBatch batch = WriteBatch.put(StateKey.of(RecordKind.C2D_MESSAGE, "device-1", 7), bytes("hello"))
                .andDelete(StateKey.of(RecordKind.C2D_DELIVERY_COUNT, "device-1", 7))
                .andPut(StateKey.of(RecordKind.SESSION, "ü😀", -1), new byte[0])
                .andPut(StateKey.of(RecordKind.CHECKPOINT, "", Long.MAX_VALUE), bytes("cp"));
        ByteBuffer buf = stateRecord(batch, 9);

        assertThat(buf.getInt(RecordFormat.LENGTH)).isEqualTo(buf.limit());
        assertThat(buf.get(RecordFormat.TYPE)).isEqualTo(RecordFormat.STATE);
        assertThat(buf.getLong(RecordFormat.SEGMENT)).isEqualTo(SEGMENT);
        assertThat(buf.getLong(RecordFormat.SEQUENCE)).isEqualTo(9);
        List<Decoded> ops = decode(buf);
        assertThat(ops).extracting(Decoded::key).containsExactly(
                StateKey.of(RecordKind.C2D_MESSAGE, "device-1", 7), StateKey.of(RecordKind.C2D_DELIVERY_COUNT, "device-1", 7),
                StateKey.of(RecordKind.SESSION, "ü😀", -1), StateKey.of(RecordKind.CHECKPOINT, "", Long.MAX_VALUE));
        assertThat(ops).extracting(Decoded::value).containsExactly("hello", null, "", "cp");
        int[] sizes = new int[4];
        StateRecordCodec.recordSize(batch.ops(), sizes);
        assertThat(ops).extracting(Decoded::size).containsExactly(sizes[0], sizes[1], sizes[2], sizes[3]);
        // the owner is length-prefixed: "device-1" (8 bytes) right after the op code and kind
        assertThat(buf.getInt(RecordFormat.HEADER_SIZE + 4 + 2)).isEqualTo(8);
    }

    @Test
    void everySingleBitFlipIsCaughtByTheChecks() throws Exception {
        ByteBuffer record = stateRecord(WriteBatch.put(StateKey.of(RecordKind.DEVICE, "d"), bytes("value")), 1);
        Path file = dir.resolve("f");
        RecordReader reader = new RecordReader(4096);
        try (JournalChannel channel = NioFileLayer.INSTANCE.open(file, true)) {
            channel.writeFully(record.duplicate(), 0);
            assertThat(reader.check(channel, 0, record.limit(), SEGMENT, 1 << 20)).isEqualTo(RecordReader.Status.VALID);
            for (int i = 0; i < record.limit(); i++) {
                for (int bit = 0; bit < 8; bit++) {
                    ByteBuffer damaged = ByteBuffer.allocate(record.limit());
                    damaged.put(record.duplicate()).flip();
                    damaged.put(i, (byte) (damaged.get(i) ^ (1 << bit)));
                    channel.writeFully(damaged, 0);
                    reader.invalidate();
                    assertThat(reader.check(channel, 0, record.limit(), SEGMENT, 1 << 20))
                            .as("byte %d bit %d", i, bit).isNotEqualTo(RecordReader.Status.VALID);
                }
            }
        }
    }

    @Test
    void aRecordOfAnotherSegmentIsNotTakenForOneOfThisSegment() throws Exception {
        ByteBuffer record = stateRecord(WriteBatch.put(StateKey.of(RecordKind.DEVICE, "d"), bytes("v")), 1);
        Path file = dir.resolve("f");
        try (JournalChannel channel = NioFileLayer.INSTANCE.open(file, true)) {
            channel.writeFully(record, 0);
            RecordReader reader = new RecordReader(4096);
            assertThat(reader.check(channel, 0, channel.size(), SEGMENT + 1, 1 << 20)).isEqualTo(RecordReader.Status.INVALID);
            assertThat(reader.invalidReason).contains("segment");
        }
    }

    @Test
    void aZeroLengthMarksTheEndOfTheWrittenPart() throws Exception {
        Path file = dir.resolve("f");
        try (JournalChannel channel = NioFileLayer.INSTANCE.open(file, true)) {
            channel.writeFully(ByteBuffer.allocate(100), 0);
            RecordReader reader = new RecordReader(4096);
            assertThat(reader.check(channel, 0, 100, SEGMENT, 1 << 20)).isEqualTo(RecordReader.Status.END);
            assertThat(reader.check(channel, 96, 100, SEGMENT, 1 << 20)).isEqualTo(RecordReader.Status.END);
            assertThat(reader.check(channel, 100, 100, SEGMENT, 1 << 20)).isEqualTo(RecordReader.Status.END);
        }
    }

    @Test
    void anEventRecordCarriesItsPosition() {
        byte[] payload = bytes("telemetry");
        int length = RecordFormat.EVENT_PAYLOAD + payload.length;
        ByteBuffer buf = ByteBuffer.allocate(length);
        RecordFormat.writeHeader(buf, 0, RecordFormat.EVENT, SEGMENT, 77);
        buf.putLong(RecordFormat.EVENT_OFFSET, 12345).putLong(RecordFormat.EVENT_TIME, 1_700_000_000_000L)
                .put(RecordFormat.EVENT_PAYLOAD, payload);
        RecordFormat.finish(buf, buf.duplicate(), new CRC32C(), 0, length);

        EventRecord decoded = EventPartition.decode(buf, 0, length);
        assertThat(decoded.sequenceNumber()).isEqualTo(77);
        assertThat(decoded.offset()).isEqualTo(12345);
        assertThat(decoded.enqueuedTimeMillis()).isEqualTo(1_700_000_000_000L);
        assertThat(decoded.payload()).isEqualTo(payload);
        assertThat(buf.getInt(RecordFormat.CRC)).isEqualTo(RecordFormat.checksum(buf.duplicate(), new CRC32C(), 0, length));
    }

    @Test
    void aSegmentHeaderRoundTripsAndRejectsDamage() {
        SegmentHeader header = new SegmentHeader(StreamKind.EVENTS, 3, 17, 12, 1234);
        ByteBuffer encoded = header.encode();
        assertThat(SegmentHeader.decode(encoded)).isEqualTo(header);
        for (int i = 0; i < SegmentHeader.SIZE; i++) {
            ByteBuffer damaged = header.encode();
            damaged.put(i, (byte) (damaged.get(i) ^ 0x10));
            assertThat(SegmentHeader.decode(damaged)).as("byte %d", i).isNull();
        }
    }

    @Test
    void contentThatContradictsItselfIsRefusedEvenWithAGoodChecksum() {
        ByteBuffer buf = stateRecord(WriteBatch.put(StateKey.of(RecordKind.DEVICE, "d"), bytes("v")), 1);
        buf.putInt(RecordFormat.HEADER_SIZE, 2); // claims two operations, holds one
        assertThatThrownBy(() -> StateRecordCodec.decode(buf, 0, buf.limit(), (k, b, s, l, z) -> { }))
                .isInstanceOf(StateRecordCodec.MalformedRecordException.class);
        ByteBuffer kind = stateRecord(WriteBatch.put(StateKey.of(RecordKind.DEVICE, "d"), bytes("v")), 1);
        kind.put(RecordFormat.HEADER_SIZE + 5, (byte) 99);
        assertThatThrownBy(() -> StateRecordCodec.decode(kind, 0, kind.limit(), (k, b, s, l, z) -> { }))
                .isInstanceOf(StateRecordCodec.MalformedRecordException.class).hasMessageContaining("99");
    }

    @Test
    void utf8LengthMatchesTheEncoderForEveryKindOfCharacter() {
        for (String s : new String[] {"", "abc", "é", "€", "😀", "a\uD800b", "\uDC00", "\uD83D", "ü😀€x\uDFFF"}) {
            assertThat(StateRecordCodec.utf8Length(s)).as(s).isEqualTo(s.getBytes(StandardCharsets.UTF_8).length);
        }
    }

    static ByteBuffer stateRecord(WriteBatch batch, long sequence) {
        int[] sizes = new int[batch.size()];
        int size = (int) StateRecordCodec.recordSize(batch.ops(), sizes);
        ByteBuffer buf = ByteBuffer.allocate(size);
        RecordFormat.writeHeader(buf, 0, RecordFormat.STATE, SEGMENT, sequence);
        buf.position(RecordFormat.HEADER_SIZE);
        StateRecordCodec.encodeOps(buf, batch.ops());
        assertThat(buf.position()).isEqualTo(size);
        RecordFormat.finish(buf, buf.duplicate(), new CRC32C(), 0, size);
        buf.clear().limit(size);
        return buf;
    }

    private static List<Decoded> decode(ByteBuffer buf) throws Exception {
        List<Decoded> out = new ArrayList<>();
        StateRecordCodec.decode(buf, 0, buf.limit(), (key, b, valueStart, valueLength, size) -> out.add(new Decoded(key,
                valueStart < 0 ? null : new String(StateRecordCodec.value(b, valueStart, valueLength), StandardCharsets.UTF_8),
                size)));
        return out;
    }
}
