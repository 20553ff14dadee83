// Prints, for each key read from stdin (one per line), the partition the Java
// producer's built-in partitioner picks for it among N partitions (argument 1).
// Run as a single-file program: java -cp '.cache/kafka/libs/*' JavaPartitions.java N
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;

public class JavaPartitions {
    public static void main(String[] args) throws Exception {
        int partitions = Integer.parseInt(args[0]);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        StringBuilder out = new StringBuilder();
        for (String key; (key = in.readLine()) != null; ) {
            byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
            out.append(key).append(' ').append(BuiltInPartitioner.partitionForKey(bytes, partitions)).append('\n');
        }
        System.out.print(out);
    }
}
