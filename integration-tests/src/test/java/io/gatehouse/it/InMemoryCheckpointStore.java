package io.gatehouse.it;

import com.azure.messaging.eventhubs.CheckpointStore;
import com.azure.messaging.eventhubs.models.Checkpoint;
import com.azure.messaging.eventhubs.models.PartitionOwnership;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A {@link CheckpointStore} in memory, shared by the processors of a test: ownership claims succeed only against the
 * etag the claimer last saw (optimistic concurrency, as the blob store does), and each claim gets a new etag. Every
 * operation runs when subscribed to, not when called: the processor's load balancer re-subscribes to what it got.
 */
final class InMemoryCheckpointStore implements CheckpointStore {

    private final Map<String, PartitionOwnership> ownership = new ConcurrentHashMap<>();
    private final Map<String, Checkpoint> checkpoints = new ConcurrentHashMap<>();

    @Override
    public Flux<PartitionOwnership> listOwnership(String namespace, String eventHub, String consumerGroup) {
        return Flux.defer(() -> Flux.fromIterable(List.copyOf(ownership.values())))
                .filter(o -> o.getEventHubName().equals(eventHub) && o.getConsumerGroup().equals(consumerGroup));
    }

    @Override
    public Flux<PartitionOwnership> claimOwnership(List<PartitionOwnership> requested) {
        return Flux.defer(() -> Flux.fromIterable(claim(requested)));
    }

    private synchronized List<PartitionOwnership> claim(List<PartitionOwnership> requested) {
        List<PartitionOwnership> claimed = new ArrayList<>();
        for (PartitionOwnership claim : requested) {
            String key = key(claim.getEventHubName(), claim.getConsumerGroup(), claim.getPartitionId());
            PartitionOwnership current = ownership.get(key);
            String currentEtag = current == null ? null : current.getETag();
            if (!Objects.equals(currentEtag, claim.getETag())) {
                continue; // someone else claimed it since the claimer listed
            }
            PartitionOwnership stored = new PartitionOwnership()
                    .setFullyQualifiedNamespace(claim.getFullyQualifiedNamespace())
                    .setEventHubName(claim.getEventHubName()).setConsumerGroup(claim.getConsumerGroup())
                    .setPartitionId(claim.getPartitionId()).setOwnerId(claim.getOwnerId())
                    .setLastModifiedTime(System.currentTimeMillis()).setETag(UUID.randomUUID().toString());
            ownership.put(key, stored);
            claimed.add(stored);
        }
        return claimed;
    }

    @Override
    public Flux<Checkpoint> listCheckpoints(String namespace, String eventHub, String consumerGroup) {
        return Flux.defer(() -> Flux.fromIterable(List.copyOf(checkpoints.values())))
                .filter(c -> c.getEventHubName().equals(eventHub) && c.getConsumerGroup().equals(consumerGroup));
    }

    @Override
    public Mono<Void> updateCheckpoint(Checkpoint checkpoint) {
        return Mono.fromRunnable(() -> checkpoints.put(
                key(checkpoint.getEventHubName(), checkpoint.getConsumerGroup(), checkpoint.getPartitionId()), checkpoint));
    }

    /** The sequence number checkpointed for a partition, or null. */
    Long checkpointedSequenceNumber(String eventHub, String consumerGroup, String partition) {
        Checkpoint c = checkpoints.get(key(eventHub, consumerGroup, partition));
        return c == null ? null : c.getSequenceNumber();
    }

    /** Who owns each partition now. */
    Map<String, String> owners() {
        Map<String, String> owners = new java.util.TreeMap<>();
        ownership.values().forEach(o -> owners.put(o.getPartitionId(), o.getOwnerId()));
        return owners;
    }

    private static String key(String eventHub, String consumerGroup, String partition) {
        return eventHub + "/" + consumerGroup + "/" + partition;
    }
}
