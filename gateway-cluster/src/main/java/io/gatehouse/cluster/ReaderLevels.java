package io.gatehouse.cluster;

import io.gatehouse.core.events.OwnerLevelConflictException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;

/**
 * Event Hubs owner levels across nodes, in {@code gatehouse_reader}: which node's reader holds each consumer
 * group's partition, at which level. A reader with a level locks the row, is refused while a live node holds a
 * higher level, and otherwise takes the row and tells the previous holder to displace its readers.
 */
final class ReaderLevels {

    private static final String PLACEHOLDER = "INSERT INTO gatehouse_reader (consumer_group, partition, level, origin)"
            + " VALUES (?, ?, -1, '') ON CONFLICT DO NOTHING";
    private static final String HOLDER = "SELECT r.level, r.origin, n.heartbeat > now() - interval '"
            + OwnerRows.DEAD_AFTER_SECONDS + " seconds' FROM gatehouse_reader r LEFT JOIN gatehouse_node n"
            + " ON n.origin = r.origin WHERE r.consumer_group = ? AND r.partition = ? FOR UPDATE OF r";
    private static final String TAKE = "UPDATE gatehouse_reader SET level = ?, origin = ? WHERE consumer_group = ? AND partition = ?";
    private static final String RELEASE = "UPDATE gatehouse_reader SET level = -1, origin = ''"
            + " WHERE consumer_group = ? AND partition = ? AND origin = ? AND level = ?";

    private final OwnershipWorker worker;
    private final String origin;

    ReaderLevels(OwnershipWorker worker, String origin) {
        this.worker = worker;
        this.origin = origin;
    }

    /** See {@link io.gatehouse.core.store.DeviceOwnership#claimReader}. */
    CompletableFuture<Void> claim(String consumerGroup, int partition, Long ownerLevel) {
        return worker.transaction(connection -> {
            try (PreparedStatement placeholder = connection.prepareStatement(PLACEHOLDER)) {
                placeholder.setString(1, consumerGroup);
                placeholder.setInt(2, partition);
                placeholder.executeUpdate();
            }
            long heldLevel;
            String holderElsewhere;
            try (PreparedStatement holder = connection.prepareStatement(HOLDER)) {
                holder.setString(1, consumerGroup);
                holder.setInt(2, partition);
                try (ResultSet row = holder.executeQuery()) {
                    row.next();
                    heldLevel = row.getLong(1);
                    String holderOrigin = row.getString(2);
                    boolean elsewhere = !holderOrigin.isEmpty() && !holderOrigin.equals(origin) && row.getBoolean(3);
                    holderElsewhere = elsewhere ? holderOrigin : null;
                }
            }
            if (holderElsewhere != null && (ownerLevel == null || heldLevel > ownerLevel)) {
                throw new OwnerLevelConflictException("a reader with owner level " + heldLevel + " on another node holds partition "
                        + partition + " of consumer group '" + consumerGroup + "'");
            }
            if (ownerLevel != null) {
                take(connection, consumerGroup, partition, ownerLevel);
                if (holderElsewhere != null) {
                    // displace <partition> <level> <consumer group>: the group last, as the one part that may hold spaces
                    OwnershipWorker.notify(connection, OwnershipWorker.channelOf(holderElsewhere),
                            "displace " + partition + " " + ownerLevel + " " + consumerGroup);
                }
            }
            return null;
        });
    }

    private void take(Connection connection, String consumerGroup, int partition, long ownerLevel) throws SQLException {
        try (PreparedStatement take = connection.prepareStatement(TAKE)) {
            take.setLong(1, ownerLevel);
            take.setString(2, origin);
            take.setString(3, consumerGroup);
            take.setInt(4, partition);
            take.executeUpdate();
        }
    }

    /** The reader with {@code ownerLevel} that this node claimed closed: the row is free again, unless taken since. */
    void release(String consumerGroup, int partition, long ownerLevel) {
        worker.transaction(connection -> {
            try (PreparedStatement release = connection.prepareStatement(RELEASE)) {
                release.setString(1, consumerGroup);
                release.setInt(2, partition);
                release.setString(3, origin);
                release.setLong(4, ownerLevel);
                release.executeUpdate();
            }
            return null;
        });
    }
}
