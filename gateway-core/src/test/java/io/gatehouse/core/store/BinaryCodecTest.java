package io.gatehouse.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** BinaryWriter and BinaryReader: every value round-trips; truncated or inconsistent input is refused clearly. */
class BinaryCodecTest {

    /** One typed value; writes itself and checks that the reader gives it back. */
    sealed interface Value {
        void write(BinaryWriter w);

        void readAndCheck(BinaryReader r);
    }

    private static void check(Object actual, Object expected) {
        if (!java.util.Objects.equals(actual, expected)) {
            throw new AssertionError("read " + actual + " but wrote " + expected);
        }
    }

    record ByteValue(int v) implements Value {
        public void write(BinaryWriter w) {
            w.writeByte(v);
        }

        public void readAndCheck(BinaryReader r) {
            check(r.readByte(), v & 0xff);
        }
    }

    record BoolValue(boolean v) implements Value {
        public void write(BinaryWriter w) {
            w.writeBoolean(v);
        }

        public void readAndCheck(BinaryReader r) {
            check(r.readBoolean(), v);
        }
    }

    record IntValue(int v) implements Value {
        public void write(BinaryWriter w) {
            w.writeInt(v);
        }

        public void readAndCheck(BinaryReader r) {
            check(r.readInt(), v);
        }
    }

    record LongValue(long v) implements Value {
        public void write(BinaryWriter w) {
            w.writeLong(v);
        }

        public void readAndCheck(BinaryReader r) {
            check(r.readLong(), v);
        }
    }

    record StringValue(String v) implements Value {
        public void write(BinaryWriter w) {
            w.writeString(v);
        }

        public void readAndCheck(BinaryReader r) {
            check(r.readString(), v);
        }
    }

    record BytesValue(byte[] v) implements Value {
        public void write(BinaryWriter w) {
            w.writeBytes(v);
        }

        public void readAndCheck(BinaryReader r) {
            check(Arrays.equals(r.readBytes(), v), true);
        }

        @Override
        public String toString() {
            return "BytesValue" + Arrays.toString(v);
        }
    }

    record MapValue(Map<String, String> v) implements Value {
        public void write(BinaryWriter w) {
            w.writeStringMap(v);
        }

        public void readAndCheck(BinaryReader r) {
            check(List.copyOf(r.readStringMap().entrySet()), List.copyOf(v.entrySet()));
        }
    }

    @Provide
    Arbitrary<List<Value>> values() {
        Arbitrary<String> strings = unicode(40).injectNull(0.1);
        Arbitrary<Value> value = Arbitraries.oneOf(
                Arbitraries.integers().map(ByteValue::new),
                Arbitraries.of(true, false).map(BoolValue::new),
                Arbitraries.integers().map(IntValue::new),
                Arbitraries.longs().map(LongValue::new),
                strings.map(StringValue::new),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(100).injectNull(0.1).map(BytesValue::new),
                Arbitraries.maps(unicode(10), unicode(10))
                        .ofMaxSize(5).map(m -> new MapValue(new LinkedHashMap<>(m))));
        return value.list().ofMaxSize(20);
    }

    /** Well-formed Unicode (what protocol decoders produce): every char but lone surrogates, and some pairs. */
    private static Arbitrary<String> unicode(int maxLength) {
        Arbitrary<String> single = Arbitraries.chars().range('\u0000', '\ud7ff').map(String::valueOf)
                .injectDuplicates(0.0)
                .edgeCases(c -> c.add("\u0000"));
        Arbitrary<String> bmpHigh = Arbitraries.chars().range('\ue000', '\uffff').map(String::valueOf);
        Arbitrary<String> supplementary = Arbitraries.integers().between(0x10000, 0x10ffff).map(Character::toString);
        return Arbitraries.frequencyOf(
                        net.jqwik.api.Tuple.of(8, single), net.jqwik.api.Tuple.of(1, bmpHigh), net.jqwik.api.Tuple.of(1, supplementary))
                .list().ofMaxSize(maxLength).map(parts -> String.join("", parts));
    }

    @Property(tries = 250)
    void everySequenceOfValuesRoundTrips(@ForAll("values") List<Value> values) {
        BinaryWriter w = new BinaryWriter(1);
        values.forEach(v -> v.write(w));
        byte[] bytes = w.toByteArray();
        BinaryReader r = new BinaryReader(bytes);
        values.forEach(v -> v.readAndCheck(r));
        // and nothing is left over: one more byte would be past the end
        assertThatThrownBy(r::readByte).isInstanceOf(IllegalStateException.class);
    }

    /** Cutting the encoding anywhere gives a clear "corrupt value" error, never another exception or a huge allocation. */
    @Property(tries = 100)
    void truncatedInputIsRefusedClearly(@ForAll("values") @Size(min = 1) List<Value> values) {
        BinaryWriter w = new BinaryWriter();
        values.forEach(v -> v.write(w));
        byte[] bytes = w.toByteArray();
        for (int cut = 0; cut < bytes.length; cut++) {
            BinaryReader r = new BinaryReader(Arrays.copyOf(bytes, cut));
            try {
                values.forEach(v -> v.readAndCheck(r));
                throw new AssertionError("reading " + cut + " of " + bytes.length + " bytes did not fail");
            } catch (IllegalStateException expected) {
                if (!expected.getMessage().contains("corrupt value")) {
                    throw new AssertionError("unclear error: " + expected.getMessage());
                }
            }
        }
    }

    @Property(tries = 300)
    void arbitraryBytesNeverEscapeAsAnythingButAClearError(@ForAll byte[] garbage) {
        BinaryReader r = new BinaryReader(garbage);
        try {
            while (true) {
                r.readString();
                r.readBytes();
                r.readStringMap();
            }
        } catch (IllegalStateException expected) {
            assertThat(expected).hasMessageContaining("corrupt value");
        }
    }

    @Test
    void theRemainingBytesOfABufferAreWrittenAsAnArrayWouldBeAndTheBufferIsLeftAsItWas() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(16).put(new byte[] {9, 9, 1, 2, 3, 9});
        buffer.position(2).limit(5);

        BinaryWriter exact = BinaryWriter.exactly(BinaryWriter.sizeOfRemaining(buffer) + 1).writeRemaining(buffer).writeByte(7);

        assertThat(exact.toExactByteArray())
                .containsExactly(new BinaryWriter().writeBytes(new byte[] {1, 2, 3}).writeByte(7).toByteArray());
        assertThat(buffer.position()).isEqualTo(2);
        assertThat(buffer.limit()).isEqualTo(5);
    }

    @Test
    void bigEndianLayoutAndNullMarkers() {
        byte[] bytes = new BinaryWriter().writeInt(0x01020304).writeLong(-2).writeString(null).writeBytes(null)
                .writeString("é").toByteArray();
        assertThat(bytes).containsExactly(
                1, 2, 3, 4,
                -1, -1, -1, -1, -1, -1, -1, -2,
                -1, -1, -1, -1,
                -1, -1, -1, -1,
                0, 0, 0, 2, (byte) 0xc3, (byte) 0xa9);
        BinaryReader r = new BinaryReader(bytes);
        assertThat(r.readInt()).isEqualTo(0x01020304);
        assertThat(r.readLong()).isEqualTo(-2);
        assertThat(r.readString()).isNull();
        assertThat(r.readBytes()).isNull();
        assertThat(r.readString()).isEqualTo("é");
    }

    @Test
    void inconsistentLengthsAreRefused() {
        // a negative length other than the null marker
        assertThatThrownBy(() -> new BinaryReader(new byte[] {-1, -1, -1, -2}).readString())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("length -2");
        // a length far beyond the input (must not try to allocate it)
        assertThatThrownBy(() -> new BinaryReader(new byte[] {0x7f, -1, -1, -1, 'a'}).readBytes())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("corrupt value");
        // a map that claims more entries than bytes
        assertThatThrownBy(() -> new BinaryReader(new byte[] {0x7f, -1, -1, -1}).readStringMap())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("corrupt value");
        assertThatThrownBy(() -> new BinaryReader(new byte[] {0, 0, 0, -1}).readStringMap())
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void versionsAreChecked() {
        byte[] v2 = new BinaryWriter().writeByte(2).writeInt(7).toByteArray();
        assertThatThrownBy(() -> new BinaryReader(v2).expectVersion(1, "thing"))
                .isInstanceOf(IllegalStateException.class).hasMessage("unsupported thing format version 2");
        assertThat(new BinaryReader(v2).expectVersion(2, "thing").readInt()).isEqualTo(7);
    }

    @Test
    void theWriterGrowsFromAnyStartingCapacity() {
        byte[] big = new byte[100_000];
        Arrays.fill(big, (byte) 7);
        byte[] out = new BinaryWriter(0).writeByte(1).writeBytes(big).writeByte(2).toByteArray();
        BinaryReader r = new BinaryReader(out);
        assertThat(r.readByte()).isEqualTo(1);
        assertThat(r.readBytes()).isEqualTo(big);
        assertThat(r.readByte()).isEqualTo(2);
    }

    /** Strings are written exactly as {@code getBytes(UTF_8)} writes them, lone surrogates included. */
    @Property(tries = 500)
    void stringsAreEncodedLikeTheJdkDoes(@ForAll String any) {
        byte[] written = new BinaryWriter().writeString(any).toByteArray();
        byte[] jdk = any.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(Arrays.copyOfRange(written, 4, written.length)).isEqualTo(jdk);
        assertThat(new BinaryReader(written).readInt()).isEqualTo(jdk.length);
        assertThat(BinaryWriter.sizeOf(any)).isEqualTo(written.length);
    }

    @Test
    void anExactlySizedWriterHandsOverItsBufferOnlyWhenFull() {
        Map<String, String> map = new LinkedHashMap<>();
        map.put("k", "v\u00e9");
        byte[] body = {1, 2, 3};
        int size = 1 + BinaryWriter.sizeOf("\uD83D\uDE00x") + BinaryWriter.sizeOf((String) null) + BinaryWriter.sizeOf(map)
                + BinaryWriter.sizeOf(body) + BinaryWriter.sizeOf((byte[]) null);
        byte[] exact = BinaryWriter.exactly(size).writeByte(9).writeString("\uD83D\uDE00x").writeString(null)
                .writeStringMap(map).writeBytes(body).writeBytes(null).toExactByteArray();
        assertThat(exact).hasSize(size);
        BinaryReader r = new BinaryReader(exact);
        assertThat(r.readByte()).isEqualTo(9);
        assertThat(r.readString()).isEqualTo("\uD83D\uDE00x");
        assertThat(r.readString()).isNull();
        assertThat(r.readStringMap()).containsExactlyEntriesOf(map);
        assertThat(r.readBytes()).isEqualTo(body);
        assertThat(r.readBytes()).isNull();
        assertThatThrownBy(() -> BinaryWriter.exactly(3).writeByte(1).toExactByteArray())
                .isInstanceOf(IllegalStateException.class);
    }
}
