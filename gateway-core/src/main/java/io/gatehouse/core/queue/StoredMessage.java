package io.gatehouse.core.queue;

import io.gatehouse.core.store.StateKey;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A queued message as the store holds it, by its header only, with its delivery count: what a queue restores. */
public record StoredMessage(long sequence, QueueMessageCodec.Header header, int deliveryCount) {

    /** The messages of {@code kind} among a queue's stored entries, with their delivery counts, in sequence order. */
    public static List<StoredMessage> from(QueueKind kind, Map<StateKey, byte[]> entries) {
        Map<Long, Integer> counts = new HashMap<>();
        entries.forEach((key, value) -> {
            if (key.kind() == kind.countKind()) {
                counts.put(key.id(), QueueMessageCodec.decodeCount(value));
            }
        });
        List<StoredMessage> messages = new ArrayList<>();
        entries.forEach((key, value) -> {
            if (key.kind() == kind.messageKind()) {
                messages.add(new StoredMessage(key.id(), QueueMessageCodec.decodeHeader(value), counts.getOrDefault(key.id(), 0)));
            }
        });
        messages.sort(Comparator.comparingLong(StoredMessage::sequence));
        return messages;
    }
}
