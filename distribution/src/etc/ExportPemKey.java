import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.util.Base64;

/**
 * Run by ./spindle (java ExportPemKey.java) where the openssl command is missing: writes the
 * private key of a PKCS#12 store made by keytool as a PEM PKCS#8 file, which keytool cannot do.
 * Arguments: store, password, alias, output file.
 */
public class ExportPemKey {
    public static void main(String[] args) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
            store.load(in, args[1].toCharArray());
        }
        Key key = store.getKey(args[2], args[1].toCharArray());
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded());
        Files.writeString(Path.of(args[3]), "-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n");
    }
}
