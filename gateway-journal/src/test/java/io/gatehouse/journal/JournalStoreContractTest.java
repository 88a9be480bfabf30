package io.gatehouse.journal;

import io.gatehouse.core.store.Store;
import io.gatehouse.core.store.StoreContractTest;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The SPI contract against the journal, with small segments so that events span many of them. */
class JournalStoreContractTest extends StoreContractTest {

    @TempDir
    Path dir;

    @Override
    protected Store newStore() {
        return JournalStore.open(dir, JournalOptions.defaults(PARTITIONS).withSegmentSize(64 * 1024)
                .withIndexIntervalBytes(2048).withSpareSegments(1));
    }
}
