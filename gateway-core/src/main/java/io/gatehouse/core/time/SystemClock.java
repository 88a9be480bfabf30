package io.gatehouse.core.time;

/** Wall-clock time. */
public final class SystemClock implements Clock {

    public static final SystemClock INSTANCE = new SystemClock();

    private SystemClock() {
    }

    @Override
    public long millis() {
        return System.currentTimeMillis();
    }

    @Override
    public void onAdvance(Runnable listener) {
        // real time advances on its own; nobody needs telling
    }

    @Override
    public boolean isRealTime() {
        return true;
    }
}
