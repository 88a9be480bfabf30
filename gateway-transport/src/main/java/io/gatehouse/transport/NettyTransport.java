package io.gatehouse.transport;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.SingleThreadEventLoop;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** The event loops and server channel type: native epoll where available, NIO otherwise. */
public final class NettyTransport implements AutoCloseable {

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Class<? extends ServerChannel> serverChannel;
    private final String name;

    private NettyTransport(EventLoopGroup boss, EventLoopGroup workers, Class<? extends ServerChannel> serverChannel,
                           String name) {
        this.boss = boss;
        this.workers = workers;
        this.serverChannel = serverChannel;
        this.name = name;
    }

    /** {@code workerThreads} 0 means Netty's default (two per core). */
    public static NettyTransport create(int workerThreads) {
        if (Epoll.isAvailable()) {
            return new NettyTransport(new EpollEventLoopGroup(1, new DefaultThreadFactory("gatehouse-accept")),
                    new EpollEventLoopGroup(workerThreads, new DefaultThreadFactory("gatehouse-io")),
                    EpollServerSocketChannel.class, "epoll");
        }
        return new NettyTransport(new NioEventLoopGroup(1, new DefaultThreadFactory("gatehouse-accept")),
                new NioEventLoopGroup(workerThreads, new DefaultThreadFactory("gatehouse-io")),
                NioServerSocketChannel.class, "nio");
    }

    public EventLoopGroup boss() {
        return boss;
    }

    public EventLoopGroup workers() {
        return workers;
    }

    /**
     * Runs {@code setUp} on every worker thread before it serves any connection, giving it an executor that runs a
     * task at the end of that worker's current pass (after the I/O and tasks of one loop iteration).
     */
    public void setUpWorkers(Consumer<Executor> setUp) {
        for (EventExecutor executor : workers) {
            SingleThreadEventLoop loop = (SingleThreadEventLoop) executor;
            loop.submit(() -> setUp.accept(loop::executeAfterEventLoopIteration)).syncUninterruptibly();
        }
    }

    public Class<? extends ServerChannel> serverChannel() {
        return serverChannel;
    }

    public String name() {
        return name;
    }

    @Override
    public void close() {
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
