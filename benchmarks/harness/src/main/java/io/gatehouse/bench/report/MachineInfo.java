package io.gatehouse.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * The machine and the moment of a run, as the report states them; {@code floor} is what the machine itself adds to
 * latency, as measured before the run (see {@code MachineFloor}), or null when it was not measured.
 */
public record MachineInfo(String date, int cores, String cpuModel, String jdk, String kernel, long memoryBytes, String floor) {

    public static MachineInfo describe() {
        List<String> cpuinfo = lines("/proc/cpuinfo");
        int cores = (int) cpuinfo.stream().filter(l -> l.startsWith("processor")).count();
        String model = cpuinfo.stream().filter(l -> l.startsWith("model name")).findFirst()
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown");
        long mem = lines("/proc/meminfo").stream().filter(l -> l.startsWith("MemTotal:")).findFirst()
                .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024).orElse(-1L);
        String kernel = lines("/proc/sys/kernel/osrelease").stream().findFirst().orElse(System.getProperty("os.version"));
        String jdk = System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version");
        return new MachineInfo(ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")),
                cores, model, jdk, kernel, mem, null);
    }

    public MachineInfo withFloor(String measuredFloor) {
        return new MachineInfo(date, cores, cpuModel, jdk, kernel, memoryBytes, measuredFloor);
    }

    private static List<String> lines(String file) {
        try {
            return Files.readAllLines(Path.of(file));
        } catch (IOException e) {
            return List.of();
        }
    }
}
