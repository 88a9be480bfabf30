package io.gatehouse.server.config;

import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.config.InvalidSettingException;
import io.gatehouse.core.config.Setting;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The validated configuration of one gateway. Built from a flat property map (see {@link ConfigLoader} for
 * where the properties come from); every value is checked, and the first bad one is refused with an error
 * naming it.
 */
public record GatehouseConfig(
        String hostName,
        Path dataDir,
        String bindAddress,
        int mqttPort,
        int mqttPlainPort,
        boolean mqttPlainEnabled,
        int mqttMaxInFlight,
        int amqpPort,
        int amqpPlainPort,
        boolean amqpPlainEnabled,
        int httpsPort,
        int httpsFallbackPort,
        int healthPort,
        boolean healthEnabled,
        Path tlsCertificateFile,
        Path tlsKeyFile,
        String storeType,
        String storeSync,
        ClusterConfig cluster,
        int shards,
        String logFormat,
        boolean wellKnownKeys,
        HubSettings hub,
        List<DeviceDeclaration> devices) {

    public GatehouseConfig {
        devices = List.copyOf(devices);
        if ((tlsCertificateFile == null) != (tlsKeyFile == null)) {
            throw new InvalidConfigException(ServerSettings.TLS_CERTIFICATE.property() + " and "
                    + ServerSettings.TLS_KEY.property() + " must be given together");
        }
        if (storeType.equals("cluster")) {
            cluster.requireAddresses();
        }
    }

    /**
     * This configuration without its declared devices: they are applied to the registry once, at start, and a
     * running gateway need not keep them (a large declared fleet would otherwise stay in memory twice).
     */
    public GatehouseConfig withoutDevices() {
        return new GatehouseConfig(hostName, dataDir, bindAddress, mqttPort, mqttPlainPort, mqttPlainEnabled,
                mqttMaxInFlight, amqpPort, amqpPlainPort, amqpPlainEnabled, httpsPort, httpsFallbackPort, healthPort,
                healthEnabled, tlsCertificateFile, tlsKeyFile, storeType, storeSync, cluster, shards, logFormat,
                wellKnownKeys, hub, List.of());
    }

    /** The defaults, with {@code overrides} applied. */
    public static GatehouseConfig of(Map<String, String> properties) {
        return fromProperties(properties, List.of());
    }

    public static GatehouseConfig fromProperties(Map<String, String> p, List<DeviceDeclaration> devices) {
        Map<String, Setting<?>> known = ServerSettings.all();
        for (String key : p.keySet()) {
            if (!known.containsKey(key)) {
                throw new InvalidConfigException("unknown property '" + key + "' (see --help for the list)");
            }
        }
        try {
            Map<String, String> hub = new HashMap<>();
            for (Setting<?> s : HubSettings.ALL) {
                if (p.containsKey(s.property())) {
                    hub.put(s.property(), p.get(s.property()));
                }
            }
            if (p.containsKey(HubSettings.HUB_NAME)) {
                hub.put(HubSettings.HUB_NAME, p.get(HubSettings.HUB_NAME));
            }
            String cert = ServerSettings.TLS_CERTIFICATE.from(p);
            String key = ServerSettings.TLS_KEY.from(p);
            return new GatehouseConfig(
                    ServerSettings.HOST_NAME.from(p),
                    Path.of(ServerSettings.DATA_DIR.from(p)),
                    ServerSettings.BIND_ADDRESS.from(p),
                    ServerSettings.MQTT_PORT.from(p),
                    ServerSettings.MQTT_PLAIN_PORT.from(p),
                    ServerSettings.MQTT_PLAIN_ENABLED.from(p),
                    ServerSettings.MQTT_MAX_IN_FLIGHT.from(p),
                    ServerSettings.AMQP_PORT.from(p),
                    ServerSettings.AMQP_PLAIN_PORT.from(p),
                    ServerSettings.AMQP_PLAIN_ENABLED.from(p),
                    ServerSettings.HTTPS_PORT.from(p),
                    ServerSettings.HTTPS_FALLBACK_PORT.from(p),
                    ServerSettings.HEALTH_PORT.from(p),
                    ServerSettings.HEALTH_ENABLED.from(p),
                    cert == null ? null : Path.of(cert),
                    key == null ? null : Path.of(key),
                    ServerSettings.STORE_TYPE.from(p),
                    ServerSettings.STORE_SYNC.from(p),
                    ClusterConfig.fromProperties(p),
                    ServerSettings.SHARDS.from(p),
                    ServerSettings.LOG_FORMAT.from(p),
                    ServerSettings.WELL_KNOWN_KEYS.from(p),
                    HubSettings.fromProperties(hub),
                    devices);
        } catch (InvalidSettingException e) {
            throw new InvalidConfigException(e.getMessage());
        }
    }

    /** True when the store survives restarts (journal with a syncing policy, or the cluster store). */
    public boolean isDurable() {
        return storeType.equals("cluster") || storeType.equals("journal") && !storeSync.equals("never");
    }
}
