// A no-op Java agent standing in for LocalStack's ddb-local-loader-0.1.jar, which LocalStack would
// download and attach to DynamoDB Local with -javaagent (it patches DynamoDB Local for features we
// do not use). Built with javac and jar by infra/localstack/files.py; nothing is downloaded.
public final class DdbLocalLoader {
    private DdbLocalLoader() {}

    public static void premain(String arguments, java.lang.instrument.Instrumentation instrumentation) {}

    public static void agentmain(String arguments, java.lang.instrument.Instrumentation instrumentation) {}
}
