package io.gatehouse.journal;

import io.gatehouse.core.store.StoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * {@code journal.meta}: the format version and the event partition count, fixed when the journal is
 * created. Opening with another partition count fails: events are placed by partition, so the count can
 * never change once events are stored.
 */
final class JournalMeta {

    private static final int MAGIC = 0x47484A4D; // "GHJM"
    /**
     * 2: the events of all partitions share segment files. A version-1 journal (one file series per partition)
     * is read as it is and upgraded in place: its old event files stay until retention removes them, and the
     * meta file says 2 at once, so an older gateway refuses the directory rather than miss the new files.
     */
    private static final int VERSION = 2;
    private static final int ONE_FILE_PER_PARTITION = 1;
    private static final int SIZE = 16;

    private JournalMeta() {
    }

    /** Creates the meta file of a new journal, or checks an existing one against {@code options}. */
    static void createOrCheck(Path directory, JournalOptions options, boolean hasSegments) throws IOException {
        FileLayer files = options.files();
        Path meta = directory.resolve(SegmentNames.META);
        if (!Files.exists(meta)) {
            if (hasSegments) {
                throw new JournalCorruptionException(meta, 0, "the journal has segments but no " + SegmentNames.META);
            }
            write(directory, options);
            return;
        }
        ByteBuffer buf = ByteBuffer.allocate(SIZE);
        try (JournalChannel channel = files.open(meta, false)) {
            while (buf.hasRemaining() && channel.read(buf, buf.position()) >= 0) {
                // read the whole file
            }
        }
        if (buf.position() < SIZE || buf.getInt(0) != MAGIC || buf.getInt(12) != crc(buf)) {
            throw new JournalCorruptionException(meta, 0, "not a valid journal meta file");
        }
        int version = buf.getInt(4);
        if (version != VERSION && version != ONE_FILE_PER_PARTITION) {
            throw new StoreException("the journal in " + directory + " has format version " + version
                    + "; this version reads " + ONE_FILE_PER_PARTITION + " and " + VERSION);
        }
        int partitions = buf.getInt(8);
        if (partitions != options.eventPartitions()) {
            throw new StoreException("the journal in " + directory + " holds " + partitions
                    + " event partitions but " + options.eventPartitions()
                    + " are configured; the partition count cannot change once events are stored");
        }
        if (version == ONE_FILE_PER_PARTITION) {
            write(directory, options);
        }
    }

    private static void write(Path directory, JournalOptions options) throws IOException {
        FileLayer files = options.files();
        ByteBuffer buf = ByteBuffer.allocate(SIZE);
        buf.putInt(0, MAGIC).putInt(4, VERSION).putInt(8, options.eventPartitions());
        buf.putInt(12, crc(buf));
        Path tmp = directory.resolve(SegmentNames.META + SegmentNames.TMP_SUFFIX);
        try (JournalChannel channel = files.open(tmp, true)) {
            channel.truncate(0);
            channel.writeFully(buf, 0);
            channel.force(true);
        }
        files.move(tmp, directory.resolve(SegmentNames.META));
        files.syncDirectory(directory);
    }

    private static int crc(ByteBuffer buf) {
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), 0, 12);
        return (int) crc.getValue();
    }
}
