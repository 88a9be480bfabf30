package io.gatehouse.bench.os;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What Linux tells about a process: CPU time from {@code /proc/PID/stat}, memory from {@code /proc/PID/status}. */
public final class ProcStats {

    private static final long CLOCK_TICKS_PER_SECOND = clockTicks();
    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");

    private ProcStats() {
    }

    /** User plus system CPU time of the whole process (all threads), in microseconds. */
    public static long cpuMicros(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // the command name may hold spaces: fields are counted after its closing parenthesis
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
            return ticks * 1_000_000 / CLOCK_TICKS_PER_SECOND;
        } catch (IOException e) {
            return -1;
        }
    }

    /** Resident set size now, in bytes (-1 if the process is gone). */
    public static long rssBytes(long pid) {
        return statusKb(pid, "VmRSS:") * 1024;
    }

    /** The highest resident set size the process ever had, in bytes. */
    public static long peakRssBytes(long pid) {
        return statusKb(pid, "VmHWM:") * 1024;
    }

    private static long statusKb(long pid, String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone or unreadable
        }
        return -1;
    }

    /** Runs a full GC in a JVM process ({@code jcmd PID GC.run}) so heap figures compare live data. */
    public static void fullGc(long pid) {
        jcmd(pid, "GC.run");
    }

    /** Heap in use of a JVM process after its last GC, from {@code jcmd PID GC.heap_info}. */
    public static OptionalLong heapUsedBytes(long pid) {
        String out = jcmd(pid, "GC.heap_info");
        Matcher m = HEAP_USED.matcher(out);
        return m.find() ? OptionalLong.of(Long.parseLong(m.group(1)) * 1024) : OptionalLong.empty();
    }

    private static String jcmd(long pid, String command) {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        try {
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            return new String(out);
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static long clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor(5, TimeUnit.SECONDS);
            return Long.parseLong(out);
        } catch (IOException | RuntimeException e) {
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }
}
