package io.gatehouse.transport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;

/**
 * One bound listening socket with the connections it accepted, so shutdown can stop accepting first and
 * then close the connections.
 */
public final class Listener {

    private final String name;
    private final Channel serverChannel;
    private final ChannelGroup connections;

    private Listener(String name, Channel serverChannel, ChannelGroup connections) {
        this.name = name;
        this.serverChannel = serverChannel;
        this.connections = connections;
    }

    /**
     * Binds {@code port} (0: any free port) on {@code address}.
     *
     * @throws PortUnavailableException naming the listener, the port and why
     */
    public static Listener bind(String name, NettyTransport transport, String address, int port,
                                ChannelHandler initializer) {
        ChannelGroup connections = new DefaultChannelGroup(name, GlobalEventExecutor.INSTANCE);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(transport.boss(), transport.workers())
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connections.add(ch);
                        ch.pipeline().addLast(initializer);
                    }
                });
        try {
            Channel channel = bootstrap.bind(address, port).syncUninterruptibly().channel();
            return new Listener(name, channel, connections);
        } catch (Exception e) {
            throw new PortUnavailableException(name, address, port, e);
        }
    }


    public String name() {
        return name;
    }

    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    public int connectionCount() {
        return connections.size();
    }

    /** Stops accepting new connections. */
    public void stopAccepting() {
        serverChannel.close().syncUninterruptibly();
    }

    /** Closes every accepted connection (each protocol handler then cleans up its own state). */
    public void closeConnections() {
        connections.close().awaitUninterruptibly();
    }
}
