package io.gatehouse.bench.scenario;

import java.util.ArrayList;
import java.util.List;

/** Device ids of the load generator: {@code dev00000}, {@code dev00001}, ... (Gatehouse declares the same ones). */
public final class Devices {

    private Devices() {
    }

    public static String id(int index) {
        return String.format("dev%05d", index);
    }

    public static List<String> ids(int from, int count) {
        List<String> ids = new ArrayList<>(count);
        for (int i = from; i < from + count; i++) {
            ids.add(id(i));
        }
        return ids;
    }
}
