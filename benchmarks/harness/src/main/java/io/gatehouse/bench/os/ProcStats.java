package io.gatehouse.bench.os;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
        return statTicksMicros(pid, false);
    }

    /**
     * As {@link #cpuMicros}, plus the CPU time of the children it has waited for: when a PostgreSQL backend or
     * worker ends, its time moves into the postmaster's, so a sum over a process tree loses nothing.
     */
    public static long cpuMicrosWithEndedChildren(long pid) {
        return statTicksMicros(pid, true);
    }

    private static long statTicksMicros(long pid, boolean withChildren) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // the command name may hold spaces: fields are counted after its closing parenthesis
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
            if (withChildren) {
                ticks += Long.parseLong(f[13]) + Long.parseLong(f[14]); // cutime, cstime (fields 16 and 17)
            }
            return ticks * 1_000_000 / CLOCK_TICKS_PER_SECOND;
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * The command line of a process, one argument per element (empty if it is gone). Read from
     * {@code /proc/PID/cmdline} directly: {@code ProcessHandle.Info.arguments()} is empty past 4 KB, the size
     * of a JVM's command line with a long class path.
     */
    public static List<String> commandLine(long pid) {
        try {
            String cmdline = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"));
            return cmdline.isEmpty() ? List.of() : List.of(cmdline.split("\0"));
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Resident set size now, in bytes (-1 if the process is gone). */
    public static long rssBytes(long pid) {
        return bytes(statusKb(pid, "VmRSS:"));
    }

    /** The highest resident set size the process ever had, in bytes. */
    public static long peakRssBytes(long pid) {
        return bytes(statusKb(pid, "VmHWM:"));
    }

    /**
     * Proportional set size now, in bytes (-1 if the process is gone): its resident pages, each page it shares
     * with other processes divided among them, so a sum over processes counts shared memory once.
     */
    public static long pssBytes(long pid) {
        return bytes(kb(Path.of("/proc", Long.toString(pid), "smaps_rollup"), "Pss:"));
    }

    private static long bytes(long kb) {
        return kb < 0 ? -1 : kb * 1024;
    }

    private static long statusKb(long pid, String key) {
        return kb(Path.of("/proc", Long.toString(pid), "status"), key);
    }

    private static long kb(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file)) {
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
