package org.orgtrace.server;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;

/**
 * OrgTrace's local Neo4j: the Community DBMS embedded in this JVM, reachable only over Bolt
 * on 127.0.0.1. It runs until SIGTERM, when the shutdown hook closes the store cleanly.
 *
 * <p>Usage: {@code LocalNeo4j HOME_DIR BOLT_PORT PASSWORD_FILE}. HOME_DIR holds the store,
 * logs and an optional {@code neo4j.conf} of extra settings (memory, for instance). On the
 * first start the password read from PASSWORD_FILE is set for the user {@code neo4j}; a marker
 * file in HOME_DIR records that it was done, so later starts leave the user as it is.
 */
public final class LocalNeo4j {
    private static final String PASSWORD_MARKER = ".orgtrace-password-set";

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: LocalNeo4j HOME_DIR BOLT_PORT PASSWORD_FILE");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        int port = Integer.parseInt(args[1]);
        Path passwordFile = Path.of(args[2]);
        Files.createDirectories(home);

        DatabaseManagementServiceBuilder builder = new DatabaseManagementServiceBuilder(home);
        Path conf = home.resolve("neo4j.conf");
        if (Files.exists(conf)) {
            builder.loadPropertiesFromFile(conf);
        }
        builder.setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                // LOAD CSV may never read files on this machine, whatever neo4j.conf says.
                .setConfig(GraphDatabaseSettings.allow_file_urls, false);

        DatabaseManagementService dbms = builder.build();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("OrgTrace Neo4j: shutting down");
            dbms.shutdown();
            System.out.println("OrgTrace Neo4j: stopped");
            stopped.countDown();
        }, "orgtrace-neo4j-shutdown"));

        Path marker = home.resolve(PASSWORD_MARKER);
        if (!Files.exists(marker)) {
            String password = Files.readString(passwordFile, StandardCharsets.UTF_8).strip();
            dbms.database("system").executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED",
                    Map.of("password", password));
            Files.writeString(marker, "password set from " + passwordFile + "\n", StandardCharsets.UTF_8);
        }
        System.out.println("OrgTrace Neo4j: ready on bolt://127.0.0.1:" + port);
        System.out.flush();
        stopped.await();
    }
}
