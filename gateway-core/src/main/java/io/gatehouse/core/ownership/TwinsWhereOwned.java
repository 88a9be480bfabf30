package io.gatehouse.core.ownership;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.twin.DeviceTwins;
import io.gatehouse.core.twin.Twin;
import io.gatehouse.core.twin.TwinCodec;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The service's reads and changes of twins, run on the node that owns the device. Every node keeps a copy of every
 * twin, but only the owner's is sure to be current: the device reports its properties there (it is connected there),
 * and every service change runs there too. So one node checks {@code If-Match} for the whole hub, no two changes pass
 * on the same etag, and a service reads what the device reported a moment ago. On a store of one node all of it runs
 * here.
 */
public final class TwinsWhereOwned {

    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(10);

    private final DeviceTwins twins;
    private final DeviceOwners owners;

    public TwinsWhereOwned(DeviceTwins twins, DeviceOwners owners) {
        this.twins = twins;
        this.owners = owners;
    }

    /** {@link DeviceTwins#get} on the owner; fails with DEVICE_NOT_FOUND when the device does not exist. */
    public CompletableFuture<Twin> get(DeviceId id) {
        return whereOwned(id, new OwnerCalls.Call.TwinRead());
    }

    /** {@link DeviceTwins#patch} on the owner. */
    public CompletableFuture<Twin> patch(DeviceId id, String ifMatch, JsonNode tags, JsonNode desired) {
        return whereOwned(id, new OwnerCalls.Call.TwinChange(false, ifMatch, tags, desired));
    }

    /** {@link DeviceTwins#replace} on the owner. */
    public CompletableFuture<Twin> replace(DeviceId id, String ifMatch, JsonNode tags, JsonNode desired) {
        return whereOwned(id, new OwnerCalls.Call.TwinChange(true, ifMatch, tags, desired));
    }

    /** Runs a read or change another node placed here; the twin as the caller reads it. */
    public CompletableFuture<byte[]> run(DeviceId id, OwnerCalls.Call call) {
        return here(id, call).thenApply(TwinCodec::encode);
    }

    private CompletableFuture<Twin> whereOwned(DeviceId id, OwnerCalls.Call call) {
        return owners.whereOwned(id, () -> OwnerCalls.twinCall(call), ANSWER_WITHIN, () -> here(id, call),
                answer -> TwinCodec.decode(id, answer));
    }

    private CompletableFuture<Twin> here(DeviceId id, OwnerCalls.Call call) {
        if (call instanceof OwnerCalls.Call.TwinChange change) {
            return change.replace() ? twins.replace(id, change.ifMatch(), change.tags(), change.desired())
                    : twins.patch(id, change.ifMatch(), change.tags(), change.desired());
        }
        return twins.get(id).map(CompletableFuture::completedFuture).orElseGet(() -> CompletableFuture.failedFuture(
                new GatewayException(ErrorCode.DEVICE_NOT_FOUND, "device " + id + " does not exist")));
    }
}
