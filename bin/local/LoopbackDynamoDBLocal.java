import java.io.IOException;
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * DynamoDB Local as `npm start`, the tests and the benchmark run it (bin/local/dynamodb-local.ts starts
 * this file with Java's source launcher, the jar on the class path, and DynamoDB Local's own options).
 *
 * <ul>
 *   <li>It listens on 127.0.0.1 only. DynamoDB Local has no option for the address: its server is
 *       Jetty's {@code new Server(port)}, whose one connector has no host and so listens on every
 *       interface. The connector is given the host before the server starts.
 *   <li>It ends when the process that started it does: that process holds the write end of Java's
 *       standard input, so end of input means it is gone (ended, crashed or killed with SIGKILL).
 *   <li>No telemetry: DynamoDB Local's own main sets up telemetry (sent to AWS); this one does not.
 * </ul>
 */
public class LoopbackDynamoDBLocal {
  public static void main(String[] args) throws Exception {
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    for (Connector connector : server.getConnectors()) {
      ((ServerConnector) connector).setHost("127.0.0.1");
    }
    Thread watchdog =
        new Thread(
            () -> {
              try {
                while (System.in.read() != -1) {
                  // Nothing is ever written: only the end of input matters.
                }
              } catch (IOException error) {
                // A broken pipe means the same as its end.
              }
              System.exit(0);
            },
            "parent-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    proxy.start();
  }
}
