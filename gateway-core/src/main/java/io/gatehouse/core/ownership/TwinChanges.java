package io.gatehouse.core.ownership;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.twin.DeviceTwins;
import io.gatehouse.core.twin.Twin;
import io.gatehouse.core.twin.TwinCodec;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The service's changes of twins, run on the node that owns the device. Every node keeps a copy of every twin, but
 * only the owner's is sure to be current: the device reports its properties there (it is connected there), and every
 * service change runs there too, so one node checks {@code If-Match} for the whole hub and no two changes pass on the
 * same etag. On a store of one node every change runs here.
 */
public final class TwinChanges {

    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(10);

    private final DeviceTwins twins;
    private final DeviceOwners owners;

    public TwinChanges(DeviceTwins twins, DeviceOwners owners) {
        this.twins = twins;
        this.owners = owners;
    }

    /** {@link DeviceTwins#patch}, where the device is owned. */
    public CompletableFuture<Twin> patch(DeviceId id, String ifMatch, JsonNode tags, JsonNode desired) {
        return whereOwned(id, new OwnerCalls.Call.TwinChange(false, ifMatch, tags, desired));
    }

    /** {@link DeviceTwins#replace}, where the device is owned. */
    public CompletableFuture<Twin> replace(DeviceId id, String ifMatch, JsonNode tags, JsonNode desired) {
        return whereOwned(id, new OwnerCalls.Call.TwinChange(true, ifMatch, tags, desired));
    }

    /** Runs a change another node placed here; the changed twin as the caller reads it. */
    public CompletableFuture<byte[]> run(DeviceId id, OwnerCalls.Call.TwinChange change) {
        return here(id, change).thenApply(TwinCodec::encode);
    }

    private CompletableFuture<Twin> whereOwned(DeviceId id, OwnerCalls.Call.TwinChange change) {
        return owners.whereOwned(id, OwnerCalls.twinChange(change), ANSWER_WITHIN, () -> here(id, change),
                answer -> TwinCodec.decode(id, answer));
    }

    private CompletableFuture<Twin> here(DeviceId id, OwnerCalls.Call.TwinChange change) {
        return change.replace() ? twins.replace(id, change.ifMatch(), change.tags(), change.desired())
                : twins.patch(id, change.ifMatch(), change.tags(), change.desired());
    }
}
