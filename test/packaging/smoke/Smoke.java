import io.github.cdk8s_pgaas.Credentials;
import io.github.cdk8s_pgaas.PostgresCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cdk8s.App;
import org.cdk8s.Chart;
import org.cdk8s.ChartProps;

/** Synthesizes the minimal example through the Java binding, and a validation error (args[0]: output folder). */
public class Smoke {
  public static void main(String[] args) throws Exception {
    Path out = Path.of(args[0]);
    App app = new App();
    Chart chart = new Chart(app, "minimal", ChartProps.builder().namespace("dev").build());
    PostgresCluster.Builder.create(chart, "db").name("hello-db").superuserCredentials(Credentials.fromSecret("hello-db-superuser")).build();
    Files.writeString(out.resolve("synth.yaml"), app.synthYaml());

    // Problems are reported when the app is synthesized, in one report for the whole app.
    App errorsApp = new App();
    Chart errors = new Chart(errorsApp, "errors", ChartProps.builder().namespace("dev").build());
    String message = "no error";
    try {
      PostgresCluster.Builder.create(errors, "bad").name("Bad_Name").instances(0).build();
      errorsApp.synthYaml();
    } catch (RuntimeException error) {
      message = error.getMessage();
    }
    Files.writeString(out.resolve("error.txt"), message);
  }
}
