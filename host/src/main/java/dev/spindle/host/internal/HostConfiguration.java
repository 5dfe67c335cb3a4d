package dev.spindle.host.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** ConfigAdmin PID {@code dev.spindle.host}: where the server listens and its limits. */
@ObjectClassDefinition(id = "dev.spindle.host", name = "Spindle HTTP host",
        description = "Listening address, limits and timeouts of the Spindle HTTP server")
public @interface HostConfiguration {

    @AttributeDefinition(description = "TCP port to listen on; 0 picks a free one")
    int port() default 8080;

    @AttributeDefinition(description = "Address to bind: 0.0.0.0 for every interface, 127.0.0.1 for loopback only")
    String bindAddress() default "0.0.0.0";

    @AttributeDefinition(description = "HTTPS port (TLS, on bindAddress); 0 for no TLS listener")
    int tlsPort() default 0;

    @AttributeDefinition(description = "PEM file with the server certificate, then its chain; relative to the"
            + " container folder; reloaded when it changes")
    String certificateFile() default "";

    @AttributeDefinition(description = "PEM file with the certificate's private key (PKCS#8, unencrypted); relative"
            + " to the container folder; reloaded when it changes")
    String privateKeyFile() default "";

    @AttributeDefinition(description = "TLS implementation: auto (OpenSSL/BoringSSL where it loads, else the JDK),"
            + " openssl or jdk")
    String tlsProvider() default "auto";

    @AttributeDefinition(description = "TLS versions enabled, comma-separated")
    String tlsProtocols() default "TLSv1.3,TLSv1.2";

    @AttributeDefinition(description = "Application protocols offered by ALPN, in preference order: h2, http/1.1")
    String alpn() default "h2,http/1.1";

    @AttributeDefinition(description = "Time a TLS connection has to complete its handshake, ms; then it is closed")
    long tlsHandshakeTimeoutMillis() default 10000L;

    @AttributeDefinition(description = "Network transport: auto (epoll where available, else NIO), epoll or nio")
    String transport() default "auto";

    @AttributeDefinition(description = "Event-loop threads; 0 for one per core")
    int ioThreads() default 0;

    @AttributeDefinition(description = "Threads running spindle.blocking handlers")
    int workerThreads() default 16;

    @AttributeDefinition(description = "Blocking requests queued for a worker before new ones get 503")
    int workerQueue() default 1024;

    @AttributeDefinition(description = "Longest a blocking request waits for a worker, ms; then 503 with"
            + " Retry-After; 0 for no limit")
    long workerQueueTimeoutMillis() default 10000L;

    @AttributeDefinition(description = "Requests of one blocking handler running at once, so that one route cannot"
            + " take every worker (the rest wait their turn); 0 for half the worker threads, rounded up")
    int maxWorkersPerHandler() default 0;

    @AttributeDefinition(description = "Longest request line, bytes; longer gets 414")
    int maxInitialLineLength() default 8192;

    @AttributeDefinition(description = "Largest request header block, bytes; larger gets 431")
    int maxHeaderSize() default 16384;

    @AttributeDefinition(description = "Largest body IncomingMessage.body() collects, bytes")
    long maxBodyBytes() default 10485760L;

    @AttributeDefinition(description = "Header lines a request may have; more gets 431")
    int maxHeaders() default 100;

    @AttributeDefinition(description = "Largest request body accepted, bytes; larger gets 413 (before the body"
            + " is sent when the client asks Expect: 100-continue); 0 for no limit")
    long maxRequestBodyBytes() default 0L;

    @AttributeDefinition(description = "Time a handler has to finish its response, ms: then 503 if nothing was"
            + " sent, else the connection is closed; 0 for no limit")
    long responseTimeoutMillis() default 0L;

    @AttributeDefinition(description = "Open connections at most; beyond, new ones get 503 and are closed")
    int maxConnections() default 10000;

    @AttributeDefinition(description = "Time a client may leave the connection's write buffer full (not reading"
            + " its responses) before the connection is closed, ms; 0 for no limit")
    long writeTimeoutMillis() default 60000L;

    @AttributeDefinition(description = "Warn, with the stack, about a handler that holds an event loop longer"
            + " than this, ms; 0 turns the check off")
    long blockedLoopWarnMillis() default 2000L;

    @AttributeDefinition(description = "A handler's exceptions are logged with the stack trace once per handler and"
            + " exception class; the others are counted and logged as one line per handler and class this often, ms")
    long failureSummaryMillis() default 60000L;

    @AttributeDefinition(description = "Whether each request is written to the access log (logger spindle.access,"
            + " var/log/access.log): combined log format, then the handler's service id and the latency in ms")
    boolean accessLog() default false;

    @AttributeDefinition(description = "Idle time before a kept-alive connection is closed, ms; sent as Keep-Alive: timeout")
    long keepAliveTimeoutMillis() default 5000L;

    @AttributeDefinition(description = "Time a client has to send a request head, ms; then 408")
    long headersTimeoutMillis() default 60000L;

    @AttributeDefinition(description = "Time a client has to send a whole request, head and body, ms; then 408"
            + " (or a close if the handler already answered); 0 for no limit")
    long requestTimeoutMillis() default 300000L;

    @AttributeDefinition(description = "Unanswered pipelined requests per connection before reading pauses")
    int maxPipelined() default 16;

    @AttributeDefinition(description = "How long a removed handler's running requests may take to finish, ms;"
            + " also how long a stopping server waits for busy connections")
    long drainTimeoutMillis() default 10000L;

    @AttributeDefinition(description = "How long requests for a route that just lost its handler wait for a"
            + " replacement before 503, ms")
    long graceMillis() default 10000L;

    @AttributeDefinition(description = "Request methods served beside the registered ones that Node's parser"
            + " knows (comma-separated tokens, matched case-sensitively); any other method gets 501 Not Implemented")
    String extraMethods() default "";

    @AttributeDefinition(description = "Whether the cleartext port also serves HTTP/2 (h2c): prior knowledge and"
            + " Upgrade: h2c, beside HTTP/1.1")
    boolean h2c() default true;

    @AttributeDefinition(description = "HTTP/2 streams a client may have open at once on one connection;"
            + " more are refused with RST_STREAM (REFUSED_STREAM)")
    int maxConcurrentStreams() default 100;

    @AttributeDefinition(description = "Largest WebSocket frame payload a client may send, bytes; larger closes"
            + " the socket with 1009")
    int webSocketMaxFrameBytes() default 16777216;

    @AttributeDefinition(description = "Largest WebSocket message assembled from its frames, bytes (also the"
            + " most a compressed message may inflate to); larger closes the socket with 1009")
    int webSocketMaxMessageBytes() default 16777216;

    @AttributeDefinition(description = "Bytes a WebSocket may have sent and not yet written before send()"
            + " returns false; onDrain runs when they fall below half")
    long webSocketHighWaterMarkBytes() default 1048576L;

    @AttributeDefinition(description = "Idle time after which the host pings a WebSocket client, ms; a second"
            + " such span without a frame from it closes the socket; 0 for never")
    long webSocketPingIntervalMillis() default 30000L;

    @AttributeDefinition(description = "Time a WebSocket peer has to answer a close frame before the connection"
            + " is closed, ms")
    long webSocketCloseTimeoutMillis() default 5000L;

    @AttributeDefinition(description = "Whether permessage-deflate is negotiated with WebSocket clients that"
            + " offer it")
    boolean webSocketCompression() default false;
}
