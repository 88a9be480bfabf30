package io.gatehouse.core.store.memory;

import io.gatehouse.core.store.Store;
import io.gatehouse.core.store.StoreContractTest;

class InMemoryStoreContractTest extends StoreContractTest {

    @Override
    protected Store newStore() {
        return new InMemoryStore(PARTITIONS);
    }
}
