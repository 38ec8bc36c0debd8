import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

public class Crash_94906beb57fe1bc6e677ce15d520f714607d5b51 {
    static final String base64Bytes = String.join("", "R0VUIC9yb29tcy9nZW5lcmFsP3N0YWxlPXRydWUmY29uc2lzdGVuY3k9JXp6IEhUVFAvMS4xDQpIb3N0OiBsb2NhbGhvc3QNCg0K");

    public static void main(String[] args) throws Throwable {
        Crash_94906beb57fe1bc6e677ce15d520f714607d5b51.class.getClassLoader().setDefaultAssertionStatus(true);
        try {
            Method fuzzerInitialize = dev.raftchat.chat.fuzz.HttpRequestFuzzTarget.class.getMethod("fuzzerInitialize");
            fuzzerInitialize.invoke(null);
        } catch (NoSuchMethodException ignored) {
            try {
                Method fuzzerInitialize = dev.raftchat.chat.fuzz.HttpRequestFuzzTarget.class.getMethod("fuzzerInitialize", String[].class);
                fuzzerInitialize.invoke(null, (Object) args);
            } catch (NoSuchMethodException ignored1) {
            } catch (IllegalAccessException | InvocationTargetException e) {
                e.printStackTrace();
                System.exit(1);
            }
        } catch (IllegalAccessException | InvocationTargetException e) {
            e.printStackTrace();
            System.exit(1);
        }
        byte[] input = java.util.Base64.getDecoder().decode(base64Bytes);
        dev.raftchat.chat.fuzz.HttpRequestFuzzTarget.fuzzerTestOneInput(input);
    }
}