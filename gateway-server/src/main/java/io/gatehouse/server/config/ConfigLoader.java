package io.gatehouse.server.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.gatehouse.core.config.Setting;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Gathers configuration from its three sources, each overriding the one before: the YAML file, environment
 * variables ({@code GATEHOUSE_} + the property name, case and dots/underscores ignored, e.g.
 * {@code GATEHOUSE_MQTT_PORT} for {@code mqtt.port}; {@code GATEHOUSE_DEVICES=d1,d2} declares devices), and
 * command-line flags.
 *
 * <p>The file may nest (<code>mqtt: {port: 8883}</code>) or use dotted keys; a {@code devices} list declares
 * devices to create at start.
 */
public final class ConfigLoader {

    public static final String ENV_PREFIX = "GATEHOUSE_";
    /** Devices to create at start, comma-separated (containers have no configuration file). */
    public static final String DEVICES_VARIABLE = "GATEHOUSE_DEVICES";
    /** Environment variables the launcher uses itself; not properties. */
    private static final Set<String> LAUNCHER_VARIABLES = Set.of("GATEHOUSE_CONFIG", "GATEHOUSE_JAVA_OPTS", "GATEHOUSE_HOME");

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final Map<String, String> properties = new LinkedHashMap<>();
    private final List<DeviceDeclaration> devices = new ArrayList<>();

    /** Reads the YAML file; a missing or malformed file is an error naming it. */
    public ConfigLoader file(Path file) {
        JsonNode root;
        try {
            root = YAML.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new InvalidConfigException("configuration file " + file + " does not exist");
        } catch (JsonProcessingException e) {
            throw new InvalidConfigException("configuration file " + file + " is not valid YAML: "
                    + e.getOriginalMessage().replace('\n', ' '));
        } catch (IOException e) {
            throw new InvalidConfigException("cannot read configuration file " + file + ": " + e.getMessage());
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return this;
        }
        if (!root.isObject()) {
            throw new InvalidConfigException("configuration file " + file + " must hold a mapping of properties");
        }
        JsonNode deviceList = root.get("devices");
        if (deviceList != null) {
            readDevices(file, deviceList);
        }
        flatten("", root, file);
        return this;
    }

    /** Applies {@code GATEHOUSE_*} variables. Unknown ones are refused: a typo must not go unnoticed. */
    public ConfigLoader environment(Map<String, String> env) {
        Map<String, String> byNormalName = new LinkedHashMap<>();
        ServerSettings.all().keySet().forEach(name -> byNormalName.put(normalize(name), name));
        env.forEach((variable, value) -> {
            if (!variable.startsWith(ENV_PREFIX) || LAUNCHER_VARIABLES.contains(variable)) {
                return;
            }
            if (variable.equals(DEVICES_VARIABLE)) {
                for (String id : value.split(",")) {
                    if (!id.isBlank()) {
                        devices.add(new DeviceDeclaration(id.trim(), null, null, null));
                    }
                }
                return;
            }
            String property = byNormalName.get(normalize(variable.substring(ENV_PREFIX.length())));
            if (property == null) {
                throw new InvalidConfigException("environment variable " + variable + " names no property (see --help)");
            }
            properties.put(property, value);
        });
        return this;
    }

    /** Applies one property from a flag. */
    public ConfigLoader set(String property, String value) {
        properties.put(property, value);
        return this;
    }

    public ConfigLoader setAll(Map<String, String> values) {
        properties.putAll(values);
        return this;
    }

    public GatehouseConfig load() {
        return GatehouseConfig.fromProperties(properties, devices);
    }

    private void flatten(String prefix, JsonNode node, Path file) {
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String key = prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey();
            JsonNode value = field.getValue();
            if (key.equals("devices")) {
                continue;
            }
            if (value.isObject()) {
                flatten(key, value, file);
            } else if (value.isValueNode() && !value.isNull()) {
                properties.put(key, value.asText());
            } else {
                throw new InvalidConfigException("configuration file " + file + ": property '" + key
                        + "' must be a single value");
            }
        }
    }

    private void readDevices(Path file, JsonNode list) {
        if (!list.isArray()) {
            throw new InvalidConfigException("configuration file " + file + ": 'devices' must be a list");
        }
        for (JsonNode entry : list) {
            if (entry.isTextual()) {
                devices.add(new DeviceDeclaration(entry.asText(), null, null, null));
            } else if (entry.isObject() && entry.hasNonNull("id")) {
                devices.add(new DeviceDeclaration(entry.get("id").asText(), text(entry, "primaryKey"),
                        text(entry, "secondaryKey"), text(entry, "status")));
            } else {
                throw new InvalidConfigException("configuration file " + file
                        + ": each of 'devices' is a device id or a mapping with 'id'");
            }
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static String normalize(String name) {
        return name.replace(".", "").replace("_", "").toLowerCase(Locale.ROOT);
    }

    /** The settings a flag can name, for picocli completion and help. */
    public static Set<String> propertyNames() {
        return ServerSettings.all().keySet();
    }

    static Setting<?> setting(String name) {
        return ServerSettings.all().get(name);
    }
}
