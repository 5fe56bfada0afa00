package poort;

import java.io.File;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;

/**
 * MongoDB stand-in for Poort's dev and tests, built on mongo-java-server.
 *
 * Usage: MongoStandin [--backend memory|h2] [--file path] [--port n] [--parent-pid pid]
 *
 * Binds 127.0.0.1 only. Once listening it prints exactly one line to stdout:
 * "ready mongodb://127.0.0.1:PORT". SIGTERM/SIGINT shut it down cleanly (the H2 file is flushed).
 * With --parent-pid it also shuts down (cleanly) when that process is gone, so a parent that was
 * killed without stopping it does not leave an orphaned JVM behind.
 */
public final class MongoStandin {

    /**
     * Reports MongoDB 6.0 / wire version 17: the library's built-in versions top out at wire 8 (5.0
     * compatibility) and the Node driver behind mongoose 9 refuses anything below wire version 9.
     */
    static final class Mongo60 implements MongoVersion {
        @Override
        public List<Integer> getVersionArray() {
            return List.of(6, 0, 0);
        }

        @Override
        public int getWireVersion() {
            return 17;
        }
    }

    private MongoStandin() {}

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Exception e) {
            // Netty's non-daemon threads may already run: exit explicitly instead of hanging.
            System.err.println("mongo-standin: failed to start: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void run(String[] args) {
        String backendName = "memory";
        String file = null;
        int port = 0;
        long parentPid = -1;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--backend" -> backendName = value(args, ++i, arg);
                case "--file" -> file = value(args, ++i, arg);
                case "--port" -> {
                    String raw = value(args, ++i, arg);
                    try {
                        port = Integer.parseInt(raw);
                    } catch (NumberFormatException e) {
                        fail("--port must be a number, got: " + raw);
                    }
                    if (port < 0 || port > 65535) {
                        fail("--port must be between 0 and 65535, got: " + port);
                    }
                }
                case "--parent-pid" -> {
                    String raw = value(args, ++i, arg);
                    try {
                        parentPid = Long.parseLong(raw);
                    } catch (NumberFormatException e) {
                        fail("--parent-pid must be a number, got: " + raw);
                    }
                }
                default -> fail("unknown argument: " + arg);
            }
        }

        MongoBackend backend;
        switch (backendName) {
            case "memory" -> {
                if (file != null) {
                    fail("--file is only valid with --backend h2");
                }
                backend = new MemoryBackend() {
                    @Override
                    public Document handleCommand(Channel channel, String db, String command, Document query) {
                        return isHello(command) ? hello(super.handleCommand(channel, db, "isMaster", query))
                                : super.handleCommand(channel, db, command, query);
                    }
                };
            }
            case "h2" -> {
                if (file == null) {
                    fail("--backend h2 needs --file <path>");
                }
                File dataFile = new File(file).getAbsoluteFile();
                File parent = dataFile.getParentFile();
                if (parent != null && !parent.isDirectory() && !parent.mkdirs()) {
                    fail("cannot create directory " + parent);
                }
                backend = new H2Backend(dataFile.getPath()) {
                    @Override
                    public Document handleCommand(Channel channel, String db, String command, Document query) {
                        return isHello(command) ? hello(super.handleCommand(channel, db, "isMaster", query))
                                : super.handleCommand(channel, db, command, query);
                    }
                };
            }
            default -> {
                fail("--backend must be memory or h2, got: " + backendName);
                return;
            }
        }
        backend.version(new Mongo60());

        MongoServer server = new MongoServer(backend);
        try {
            server.bind("127.0.0.1", port);
        } catch (Exception e) { // also the (sneakily thrown, checked) java.net.BindException
            backend.close();
            fail("cannot listen on 127.0.0.1:" + port + ": " + e.getMessage());
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdown, "mongo-standin-shutdown"));

        if (parentPid > 0) {
            Optional<ProcessHandle> parent = ProcessHandle.of(parentPid);
            if (parent.isEmpty()) {
                fail("parent process " + parentPid + " is already gone");
            }
            // System.exit runs the shutdown hook above.
            parent.get().onExit().thenRun(() -> System.exit(0));
        }

        InetSocketAddress address = server.getLocalAddress();
        System.out.println("ready mongodb://127.0.0.1:" + address.getPort());
        System.out.flush();
        // Netty's non-daemon event-loop threads keep the JVM alive until a signal arrives.
    }

    /**
     * mongo-java-server only knows the legacy isMaster command (which the driver still uses for its
     * handshake); answer "hello" like MongoDB 6.0 does, from the isMaster reply.
     */
    static boolean isHello(String command) {
        return "hello".equalsIgnoreCase(command);
    }

    static Document hello(Document isMaster) {
        Document reply = new Document();
        for (Map.Entry<String, Object> entry : isMaster.entrySet()) {
            String key = entry.getKey().equals("ismaster") ? "isWritablePrimary" : entry.getKey();
            reply.put(key, entry.getValue());
        }
        return reply;
    }

    private static String value(String[] args, int index, String flag) {
        if (index >= args.length) {
            fail(flag + " needs a value");
        }
        return args[index];
    }

    private static void fail(String message) {
        System.err.println("mongo-standin: " + message);
        System.exit(2);
    }
}
