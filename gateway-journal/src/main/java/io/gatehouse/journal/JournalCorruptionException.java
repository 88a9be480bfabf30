package io.gatehouse.journal;

import java.nio.file.Path;

/**
 * The journal found damaged data that is not a torn tail: a record that fails its checks with intact records
 * after it, or a sealed segment that ends early. Thrown at open (never skipped silently): an operator must
 * look at the named file and offset.
 */
public final class JournalCorruptionException extends RuntimeException {

    private final Path file;
    private final long offset;

    public JournalCorruptionException(Path file, long offset, String reason) {
        super("journal file " + file + " is corrupt at offset " + offset + ": " + reason);
        this.file = file;
        this.offset = offset;
    }

    public Path file() {
        return file;
    }

    public long offset() {
        return offset;
    }
}
