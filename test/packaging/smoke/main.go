// Synthesizes the minimal example through the Go binding, and a validation error (os.Args[1]: output folder).
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/jsii-runtime-go"
	"github.com/cdk8s-pgaas/cdk8s-pgaas-go/cdk8spgaas"
	"github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2"
)

func main() {
	out := os.Args[1]
	app := cdk8s.NewApp(nil)
	chart := cdk8s.NewChart(app, jsii.String("minimal"), &cdk8s.ChartProps{Namespace: jsii.String("dev")})
	cdk8spgaas.NewPostgresCluster(chart, jsii.String("db"), &cdk8spgaas.PostgresClusterProps{
		Name:                 jsii.String("hello-db"),
		SuperuserCredentials: cdk8spgaas.Credentials_FromSecret(jsii.String("hello-db-superuser"), nil),
	})
	must(os.WriteFile(filepath.Join(out, "synth.yaml"), []byte(*app.SynthYaml()), 0o644))
	must(os.WriteFile(filepath.Join(out, "error.txt"), []byte(validationError()), 0o644))
}

// validationError returns the message of the library's error for invalid props (jsii panics with it).
func validationError() (message string) {
	defer func() {
		if r := recover(); r != nil {
			message = fmt.Sprint(r)
		}
	}()
	// Problems are reported when the app is synthesized, in one report for the whole app.
	errorsApp := cdk8s.NewApp(nil)
	errors := cdk8s.NewChart(errorsApp, jsii.String("errors"), &cdk8s.ChartProps{Namespace: jsii.String("dev")})
	cdk8spgaas.NewPostgresCluster(errors, jsii.String("bad"), &cdk8spgaas.PostgresClusterProps{Name: jsii.String("Bad_Name"), Instances: jsii.Number(0)})
	errorsApp.SynthYaml()
	return "no error"
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
