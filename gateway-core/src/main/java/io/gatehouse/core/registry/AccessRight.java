package io.gatehouse.core.registry;

/** What a shared access policy allows (IoT Hub's permission names). */
public enum AccessRight {
    REGISTRY_READ("RegistryRead"),
    REGISTRY_WRITE("RegistryWrite"),
    SERVICE_CONNECT("ServiceConnect"),
    DEVICE_CONNECT("DeviceConnect");

    private final String wireName;

    AccessRight(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }
}
